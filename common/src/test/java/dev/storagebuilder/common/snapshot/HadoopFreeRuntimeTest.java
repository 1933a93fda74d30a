package dev.storagebuilder.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Snapshot files are written and read with no Hadoop jar at run time: the same write/read round
 * trip runs in a class loader built from this test's class path minus hadoop-client-api, and must
 * return exactly what it returns with Hadoop present. (hadoop-client-api is a provided-scope
 * dependency of common: on the test class path, absent from every artifact that depends on common.)
 */
class HadoopFreeRuntimeTest {
  @Test
  void snapshotsAreWrittenAndReadWithoutHadoopClasses() throws Exception {
    List<URL> urls = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.replace(File.separatorChar, '/').contains("/org/apache/hadoop/")) {
        removed.add(entry);
      } else if (!entry.isBlank()) {
        urls.add(Path.of(entry).toUri().toURL());
      }
    }
    assertThat(removed).as("hadoop-client-api was on the test class path").isNotEmpty();
    String expected = HadoopFreeProbe.run();

    try (URLClassLoader withoutHadoop =
        new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
      assertThatThrownBy(
              () -> Class.forName("org.apache.hadoop.conf.Configuration", false, withoutHadoop))
          .isInstanceOf(ClassNotFoundException.class);
      Class<?> probe = Class.forName(HadoopFreeProbe.class.getName(), true, withoutHadoop);
      assertThat(probe.getClassLoader()).isSameAs(withoutHadoop);

      Object result = probe.getMethod("run").invoke(null);

      assertThat(result).isEqualTo(expected);
    }
    assertThat(expected).contains("changed").doesNotContain("[2, ");
  }
}
