// Preloaded into dynalite (node --require) by EmbeddedAwsStack. The JVM holds the write end of
// this process's stdin and never writes to it; when the JVM dies, even by SIGKILL where no
// shutdown hook runs, the pipe closes and dynalite exits instead of lingering as an orphan.
'use strict'
process.stdin.on('end', () => process.exit(0))
process.stdin.on('error', () => process.exit(0))
process.stdin.resume()
