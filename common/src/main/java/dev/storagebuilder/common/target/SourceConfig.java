package dev.storagebuilder.common.target;

import dev.storagebuilder.common.snapshot.SnapshotKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Where the rows come from and which targets exist: the one file a user writes to point the fleet at
 * their own database. Immutable and validated on construction.
 *
 * @param jdbcUrl JDBC URL of the source (PostgreSQL, MariaDB/MySQL or H2)
 * @param username database user, may be null for trust/embedded sources
 * @param password resolved password (from the environment variable the file names), may be null
 * @param clientsQuery a query returning one column, the client ids, in a stable order
 * @param targets the target kinds every client has, in declaration order
 */
public record SourceConfig(
    String jdbcUrl, String username, String password, String clientsQuery, List<TargetDeclaration> targets) {

  public SourceConfig {
    if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:")) {
      throw new IllegalArgumentException("source.jdbcUrl must start with 'jdbc:', got '" + jdbcUrl + "'");
    }
    jdbcUrl = withDriverOptions(jdbcUrl);
    if (clientsQuery == null || clientsQuery.isBlank()) {
      throw new IllegalArgumentException("source.clientsQuery must be a query returning client ids");
    }
    if (targets == null || targets.isEmpty()) {
      throw new IllegalArgumentException("source.targets must declare at least one target");
    }
    Map<String, TargetDeclaration> byName = new LinkedHashMap<>();
    for (TargetDeclaration target : targets) {
      if (byName.put(target.name(), target) != null) {
        throw new IllegalArgumentException("source.targets: '" + target.name() + "' is declared twice");
      }
      // Checked here rather than in TargetDeclaration, which manifests written before also decode.
      for (ColumnDeclaration column : target.columns()) {
        if (SnapshotKind.isDeltaColumn(column.name())) {
          throw new IllegalArgumentException(
              "source.targets: target '" + target.name() + "': column '" + column.name()
                  + "' is reserved for the deltas' own columns (_sb_op, _sb_version); leave it out of the"
                  + " declaration or rename it in the source");
        }
      }
    }
    targets = List.copyOf(targets);
  }

  /**
   * The MariaDB driver's options the fleet relies on, added to a MariaDB or MySQL URL that does not
   * set them itself:
   *
   * <ul>
   *   <li>{@code permitMysqlScheme} on a {@code jdbc:mysql:} URL: that driver, the only
   *       MySQL-protocol one the fleet ships, takes the scheme only with it, so such a URL (which
   *       the dialect, the docs and Terraform accept) found no driver and the processes failed to
   *       start;
   *   <li>sessions in UTC ({@code connectionTimeZone=UTC&forceConnectionTimeZoneToSession=true}): a
   *       {@code TIMESTAMP} is an instant that MariaDB shows in the session's zone, and the snapshot
   *       stores zoneless timestamps as UTC wall clocks, so on a server whose default zone is not
   *       UTC every such value was shifted by its offset ({@code DATETIME} has no zone and reads
   *       the same either way).
   * </ul>
   */
  private static String withDriverOptions(String jdbcUrl) {
    String lower = jdbcUrl.toLowerCase(Locale.ROOT);
    boolean mysqlScheme = lower.startsWith("jdbc:mysql:");
    if (!mysqlScheme && !lower.startsWith("jdbc:mariadb:")) {
      return jdbcUrl;
    }
    StringBuilder url = new StringBuilder(jdbcUrl);
    if (mysqlScheme && !lower.contains("permitmysqlscheme")) {
      url.append(jdbcUrl.indexOf('?') < 0 ? '?' : '&').append("permitMysqlScheme");
    }
    if (!lower.contains("connectiontimezone")) {
      url.append(url.indexOf("?") < 0 ? '?' : '&').append("connectionTimeZone=UTC&forceConnectionTimeZoneToSession=true");
    }
    return url.toString();
  }

  public Optional<TargetDeclaration> target(String name) {
    return targets.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  public List<String> targetNames() {
    return targets.stream().map(TargetDeclaration::name).toList();
  }

  /** The same source with another JDBC URL and credentials (the demo reuses one catalog on H2/PG/MariaDB). */
  public SourceConfig withConnection(String url, String user, String pass) {
    return new SourceConfig(url, user, pass, clientsQuery, targets);
  }

  @Override
  public String toString() {
    return "SourceConfig[jdbcUrl=" + jdbcUrl + ", username=" + username + ", password="
        + (password == null ? "none" : "***") + ", targets=" + targetNames() + "]";
  }
}
