package dev.storagebuilder.emulators;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Runs the embedded stack for manual exploration with the AWS CLI or SDKs:
 *
 * <pre>
 * java -cp ... dev.storagebuilder.emulators.EmulatorsMain [--state-dir DIR]
 * sqs=http://127.0.0.1:41234 s3=http://127.0.0.1:41235 dynamodb=http://127.0.0.1:41236
 * </pre>
 *
 * It prints the endpoints on one line, then runs until standard input closes (Ctrl-D, or the parent
 * process going away) or it gets SIGTERM / Ctrl-C. Credentials: see {@link
 * EmbeddedAwsStack#accessKey()}; the line after the endpoints prints them too.
 */
public final class EmulatorsMain {

  private static final String USAGE = "usage: EmulatorsMain [--state-dir DIR]";

  private EmulatorsMain() {}

  public static void main(String[] args) throws IOException {
    PrintStream out = System.out;
    EmbeddedAwsStack.Builder builder = EmbeddedAwsStack.builder();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--state-dir" -> {
          if (i + 1 == args.length) {
            fail(USAGE + "\n--state-dir needs a directory");
          }
          builder.stateDir(Path.of(args[++i]));
        }
        case "-h", "--help" -> {
          out.println(USAGE);
          return;
        }
        default -> fail(USAGE + "\nunknown argument: " + args[i]);
      }
    }

    EmbeddedAwsStack stack;
    try {
      stack = builder.start();
    } catch (EmulatorStartException e) {
      fail("could not start the emulators: " + e.getMessage());
      return;
    }
    try (stack) {
      out.printf(
          "sqs=%s s3=%s dynamodb=%s%n",
          stack.sqsEndpoint(), stack.s3Endpoint(), stack.dynamoEndpoint());
      out.printf(
          "region=%s accessKey=%s secretKey=%s%n",
          stack.region(), stack.accessKey(), stack.secretKey());
      out.flush();
      // SIGTERM runs the stack's shutdown hook; end of input ends the try block
      drain(System.in);
    }
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buffer = new byte[256];
    while (in.read(buffer) != -1) {
      // input is ignored: only its end matters
    }
  }

  private static void fail(String message) {
    System.err.println(message);
    System.exit(2);
  }
}
