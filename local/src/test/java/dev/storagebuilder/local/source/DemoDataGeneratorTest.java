package dev.storagebuilder.local.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DemoDataGeneratorTest {

  @Test
  void clientIdsAreTheSameWhateverTheDefaultLocale() {
    java.util.Locale before = java.util.Locale.getDefault();
    List<String> persian;
    try {
      // LANG=fa_IR.UTF-8: the JVM's default locale formats numbers with Persian digits
      java.util.Locale.setDefault(java.util.Locale.forLanguageTag("fa-IR"));
      persian = new DemoDataGenerator(42, 0.02).clientIds();
    } finally {
      java.util.Locale.setDefault(before);
    }
    assertThat(persian).first().isEqualTo("client-0001");
    assertThat(persian).isEqualTo(new DemoDataGenerator(42, 0.02).clientIds());
  }
  private static final long SEED = 7L;

  @Test
  void atScaleOneTheLargestClientIsLegacySizedAndTheWholeSourceHoldsMillions() {
    DemoDataGenerator generator = new DemoDataGenerator(SEED, 1.0);

    assertThat(generator.clientIds()).hasSize(100);
    assertThat(largest(generator).rowsPerTarget())
        .containsExactlyEntriesOf(
            ordered(
                "raw_data", 1_000_000L,
                "entities", 300_000L,
                "data_items", 30_000L,
                "formulas", 3_000L,
                "formula_associations", 6_000L,
                "dimensions", 1_000L));
    assertThat(generator.expectedTotalRows()).isBetween(3_000_000L, 6_000_000L);
  }

  @Test
  void theDefaultDemoHasAboutThirtyClientsAndAHundredThousandRows() {
    DemoDataGenerator generator =
        new DemoDataGenerator(DemoDataGenerator.DEFAULT_SEED, DemoDataGenerator.DEFAULT_SCALE);

    assertThat(generator.clientIds()).hasSize(31);
    assertThat(generator.expectedTotalRows()).isBetween(80_000L, 160_000L);
    for (double scale : new double[] {0.02, 0.1, 1.0}) {
      DemoDataGenerator sized = new DemoDataGenerator(SEED, scale);
      StringBuilder perTarget = new StringBuilder();
      sized
          .targets()
          .forEach(
              t ->
                  perTarget
                      .append(' ')
                      .append(t.name())
                      .append('=')
                      .append(sized.expectedRows(t.name())));
      System.out.printf(
          "scale %-5s %3d clients %,10d rows:%s%n",
          scale, sized.clientIds().size(), sized.expectedTotalRows(), perTarget);
    }
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.005, 0.02, 0.1, 1.0})
  void theLargestClientHasAtLeastTenTimesTheRawDataOfTheMedianClient(double scale) {
    DemoDataGenerator generator = new DemoDataGenerator(SEED, scale);
    List<Long> sizes = generator.clients().stream().map(c -> c.rows("raw_data")).sorted().toList();
    double median =
        sizes.size() % 2 == 1
            ? sizes.get(sizes.size() / 2)
            : (sizes.get(sizes.size() / 2 - 1) + sizes.get(sizes.size() / 2)) / 2.0;

    assertThat(sizes.getLast() / median).isGreaterThanOrEqualTo(10);
    assertThat(sizes.getFirst()).isGreaterThanOrEqualTo(DemoDataGenerator.MIN_ROWS);
  }

  @Test
  void sizeRanksArePermutedSoIdOrderIsNotSizeOrder() {
    DemoDataGenerator generator = new DemoDataGenerator(SEED, 0.1);
    List<Integer> ranks = generator.clients().stream().map(ClientPlan::sizeRank).toList();

    assertThat(ranks).doesNotHaveDuplicates().hasSize(generator.clientIds().size());
    assertThat(ranks).isNotEqualTo(ranks.stream().sorted().toList());
    assertThat(generator.clientIds()).isSorted().allMatch(id -> id.matches("client-\\d{4}"));
  }

  @Test
  void theSameSeedGivesTheSameClientsAndRowsAndAnotherSeedDoesNot() {
    DemoDataGenerator first = new DemoDataGenerator(SEED, 0.005);
    DemoDataGenerator second = new DemoDataGenerator(SEED, 0.005);
    DemoDataGenerator other = new DemoDataGenerator(SEED + 1, 0.005);

    assertThat(second.clients()).isEqualTo(first.clients());
    for (TargetDeclaration target : first.targets()) {
      assertThat(SourceDump.expected(second, target, 1))
          .isEqualTo(SourceDump.expected(first, target, 1));
    }
    String client = first.clientIds().getFirst();
    assertThat(lines(other, client, "raw_data")).isNotEqualTo(lines(first, client, "raw_data"));
  }

  @Test
  void keysRunFromOneAndVersionsFollowTheLoadOrderAcrossTargetsAndClients() {
    DemoDataGenerator generator = new DemoDataGenerator(SEED, 0.002);
    long expectedVersion = 100;
    for (TargetDeclaration target : generator.targets()) {
      int key = target.indexOf("id") + 1;
      int version = target.indexOf("version") + 1;
      for (String client : generator.clientIds()) {
        List<Object[]> rows = generator.rows(client, target.name(), 100).toList();
        assertThat(rows).hasSize((int) generator.expectedRows(client, target.name()));
        for (int i = 0; i < rows.size(); i++) {
          assertThat(rows.get(i)[0]).isEqualTo(client);
          assertThat(rows.get(i)[key]).isEqualTo(i + 1L);
          assertThat(rows.get(i)[version]).isEqualTo(expectedVersion++);
        }
      }
    }
    assertThat(expectedVersion).isEqualTo(100 + generator.expectedTotalRows());
  }

  @Test
  void valuesExerciseEveryTypeNullsUnicodeAndTheCharactersBulkFormatsEscape() {
    DemoDataGenerator generator = new DemoDataGenerator(SEED, 0.02);
    Map<String, long[]> nulls = new HashMap<>();
    List<String> strings = new ArrayList<>();
    long[] stats = new long[8];
    for (TargetDeclaration target : generator.targets()) {
      List<ColumnDeclaration> columns = target.columns();
      for (String client : generator.clientIds()) {
        ClientPlan plan = generator.client(client);
        generator
            .rows(client, target.name(), 1)
            .forEach(
                row -> {
                  for (int c = 0; c < columns.size(); c++) {
                    ColumnDeclaration column = columns.get(c);
                    Object value = row[c + 1];
                    long[] counts =
                        nulls.computeIfAbsent(
                            target.name() + "." + column.name(), k -> new long[2]);
                    counts[1]++;
                    if (value == null) {
                      assertThat(column.nullable())
                          .as("%s.%s", target.name(), column.name())
                          .isTrue();
                      counts[0]++;
                      continue;
                    }
                    switch (column.type()) {
                      case STRING -> {
                        String text = (String) value;
                        if (strings.size() < 200_000) {
                          strings.add(text);
                        }
                        DemoSchema.maxLength(column.name())
                            .ifPresent(max -> assertThat(text.length()).isLessThanOrEqualTo(max));
                      }
                      case DECIMAL ->
                          assertThat(((BigDecimal) value).scale()).isEqualTo(column.scale());
                      case TIMESTAMP -> {
                        LocalDateTime time = (LocalDateTime) value;
                        assertThat(time.getYear()).isBetween(2000, 2030);
                        assertThat(time.getNano() % 1000).isZero();
                        if (time.getNano() % 1_000_000 != 0) {
                          stats[0]++;
                        }
                      }
                      case DATE -> assertThat(((LocalDate) value).getYear()).isBetween(2000, 2030);
                      case BOOLEAN -> stats[(Boolean) value ? 1 : 2]++;
                      case BYTES -> stats[((byte[]) value).length == 0 ? 3 : 4]++;
                      case INT64 -> {
                        if (column.name().equals("entity_id")) {
                          assertThat((Long) value).isBetween(1L, plan.rows("entities"));
                        }
                      }
                      default -> {}
                    }
                  }
                });
      }
    }
    nulls.forEach(
        (column, counts) -> {
          double rate = counts[0] / (double) counts[1];
          boolean nullable =
              column.endsWith("amount")
                  || column.endsWith("note")
                  || column.endsWith("attributes")
                  || column.endsWith("weight")
                  || column.endsWith("checksum");
          if (column.endsWith("parent_id")) {
            // Roots: the first dimension of every client, and about one in ten of the others.
            assertThat(rate).as("null rate of %s", column).isBetween(0.05, 0.5);
          } else if (nullable) {
            assertThat(rate).as("null rate of %s", column).isBetween(0.05, 0.2);
          } else {
            assertThat(rate).as("null rate of %s", column).isZero();
          }
        });
    assertThat(stats[0]).as("timestamps with sub-millisecond micros").isPositive();
    assertThat(stats[1]).as("true").isPositive();
    assertThat(stats[2]).as("false").isPositive();
    assertThat(stats[3]).as("empty byte arrays").isPositive();
    assertThat(stats[4]).as("non-empty byte arrays").isPositive();
    assertThat(strings).anyMatch(s -> s.chars().anyMatch(ch -> ch > 0x7F));
    assertThat(strings).anyMatch(s -> s.codePoints().anyMatch(Character::isSupplementaryCodePoint));
    assertThat(strings).anyMatch(String::isEmpty);
    for (String special : List.of("\t", "\n", "\r", "\\", "\"", "'", "\\N", "NULL", ",")) {
      assertThat(strings)
          .as("a string containing [%s]", visible(special))
          .anyMatch(s -> s.contains(special));
    }
    double emojiShare =
        strings.stream()
                .filter(s -> s.codePoints().anyMatch(Character::isSupplementaryCodePoint))
                .count()
            / (double) strings.size();
    assertThat(emojiShare).as("an occasional emoji").isLessThan(0.05);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, -1, 100.5, Double.NaN})
  void rejectsAScaleOutsideItsRangeNamingIt(double scale) {
    assertThatThrownBy(() -> new DemoDataGenerator(SEED, scale))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scale must be in (0, 100");
  }

  @Test
  void clientCountFollowsTheDocumentedFormula() {
    assertThat(DemoDataGenerator.clientCount(1)).isEqualTo(100);
    assertThat(DemoDataGenerator.clientCount(0.1)).isEqualTo(50);
    assertThat(DemoDataGenerator.clientCount(0.02)).isEqualTo(31);
    assertThat(DemoDataGenerator.clientCount(1e-9)).isEqualTo(3);
  }

  private static String visible(String text) {
    return text.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r");
  }

  private static ClientPlan largest(DemoDataGenerator generator) {
    ClientPlan largest =
        generator.clients().stream()
            .min(Comparator.comparingInt(ClientPlan::sizeRank))
            .orElseThrow();
    assertThat(generator.largestClientId()).isEqualTo(largest.clientId());
    return largest;
  }

  private static List<String> lines(DemoDataGenerator generator, String client, String target) {
    TargetDeclaration declaration = generator.demoRows(target).target();
    List<ColumnType> types = new ArrayList<>();
    types.add(ColumnType.STRING);
    declaration.columns().forEach(c -> types.add(c.type()));
    return generator.rows(client, target, 1).map(row -> SourceDump.line(types, row)).toList();
  }

  private static Map<String, Long> ordered(Object... entries) {
    Map<String, Long> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < entries.length; i += 2) {
      map.put((String) entries[i], (Long) entries[i + 1]);
    }
    return map;
  }
}
