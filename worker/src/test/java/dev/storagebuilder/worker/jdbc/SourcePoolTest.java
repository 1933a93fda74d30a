package dev.storagebuilder.worker.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The read timeout as each driver spells it. */
class SourcePoolTest {
  private static final Duration FIFTEEN_MINUTES = Duration.ofMinutes(15);

  @Test
  void postgresTakesWholeSecondsRoundedUp() {
    assertThat(SourcePool.socketTimeout("jdbc:postgresql://db:5432/app", FIFTEEN_MINUTES)).isEqualTo("900");
    assertThat(SourcePool.socketTimeout("jdbc:postgresql://db:5432/app", Duration.ofMillis(90_500))).isEqualTo("91");
  }

  @Test
  void mariaDbAndTheMysqlSchemeTakeMilliseconds() {
    assertThat(SourcePool.socketTimeout("jdbc:mariadb://db:3306/app", FIFTEEN_MINUTES)).isEqualTo("900000");
    assertThat(SourcePool.socketTimeout("jdbc:mysql://db:3306/app?permitMysqlScheme", FIFTEEN_MINUTES))
        .isEqualTo("900000");
  }

  @Test
  void aUrlThatSetsItsOwnSocketTimeoutKeepsIt() {
    assertThat(SourcePool.socketTimeout("jdbc:postgresql://db/app?ssl=true&socketTimeout=60", FIFTEEN_MINUTES)).isNull();
    assertThat(SourcePool.socketTimeout("jdbc:mariadb://db/app?sockettimeout=60000", FIFTEEN_MINUTES)).isNull();
  }

  @Test
  void anInProcessH2HasNoSocketToTimeOut() {
    assertThat(SourcePool.socketTimeout("jdbc:h2:mem:source", FIFTEEN_MINUTES)).isNull();
  }
}
