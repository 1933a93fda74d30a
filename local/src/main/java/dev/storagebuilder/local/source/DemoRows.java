package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.random.RandomGenerator;

/**
 * Generates the values of one target's rows. A row is an {@code Object[]}: the client id, then the
 * declared columns in order, as the Java types of {@link ColumnType} except TIMESTAMP, which is a
 * UTC {@link LocalDateTime} (the demo stores timestamps without time zone).
 *
 * <p>Values are a pure function of the random generator's state, so a seeded generator gives the
 * same rows on every database. They exercise every type: non-ASCII text (Latin accents, Cyrillic,
 * Greek, CJK, right-to-left scripts, an occasional emoji), the characters bulk formats must escape
 * (tab, newline, carriage return, backslash, quotes, {@code \N}, the word NULL), empty strings,
 * NULL in about one nullable value in ten, decimals carrying their full declared scale, timestamps
 * with microseconds in 2000-2030, dates, booleans and bytes (including empty arrays).
 */
final class DemoRows {
  static final double NULL_RATE = 0.10;
  static final LocalDate FIRST_DAY = LocalDate.of(2000, 1, 1);
  static final LocalDate LAST_DAY = LocalDate.of(2030, 12, 31);
  private static final long FIRST_SECOND = FIRST_DAY.atStartOfDay().toEpochSecond(ZoneOffset.UTC);
  private static final long END_SECOND =
      LAST_DAY.plusDays(1).atStartOfDay().toEpochSecond(ZoneOffset.UTC);
  private static final int UNBOUNDED_TEXT = 300;

  private static final String[] WORDS = {
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "x-ray",
    "yankee",
    "zulu",
    "meter",
    "site",
    "north",
    "south",
    "naïve",
    "café",
    "Straße",
    "Ωmega",
    "данные",
    "数据",
    "データ",
    "résumé",
    "niño",
    "fjörd",
    "Zürich",
    "Kraków",
    "São Paulo",
    "Ελλάδα",
    "مرحبا",
    "שלום",
    "हिन्दी",
    "İstanbul",
    "Łódź",
    "œuvre",
    "quote\"d",
    "it's",
    "back\\slash",
    "tab\there",
    "line\nbreak",
    "carriage\rreturn",
    "comma,separated",
    "semi;colon",
    "100%",
    "under_score",
    "NULL",
    "\\N",
    "null",
    "a|b",
    "{brace}"
  };
  private static final String[] EMOJI = {"😀", "🚀", "👍🏽", "🇫🇷", "❤️", "🧪"};
  private static final String[] METRICS = {
    "temperature",
    "humidity",
    "pressure",
    "débit",
    "consommation",
    "température",
    "Druck",
    "流量",
    "напряжение",
    "co2_ppm",
    "power_kw",
    "voltage"
  };
  private static final String[] KINDS = {
    "site", "building", "meter", "sensor", "gateway", "zone", "bâtiment", "Zähler"
  };
  private static final String[] FUNCTIONS = {"sum", "avg", "min", "max", "Σ", "√", "abs"};
  private static final String[] COMPANY = {
    "Acme", "Müller", "Société Générale", "株式会社データ", "Ørsted", "Łódź Metrics", "Αθήνα Data",
    "Zoë's", "O'Brien & Sons", "Café ☕", "Nordlicht", "Дом данных", "Σύνθεση", "Ünal"
  };
  private static final String[] COMPANY_SUFFIX = {
    "GmbH", "SA", "Ltd", "KK", "AB", "Sp. z o.o.", "ΑΕ", "LLC", "S.à r.l.", "ООО"
  };

  /** Which target a reference column points into, so references stay within that client's rows. */
  private static final Map<String, String> REFERENCES =
      Map.of("entity_id", "entities", "formula_id", "formulas", "data_item_id", "data_items");

  private final TargetDeclaration target;
  private final ColumnDeclaration[] columns;
  private final Kind[] kinds;
  private final int[] maxLengths;

  private enum Kind {
    KEY,
    VERSION,
    REFERENCE,
    PARENT,
    METRIC,
    KIND,
    LEVEL,
    QUANTITY,
    PRECISION_DIGITS,
    UNIT_DOUBLE,
    ACTIVE,
    NAME,
    LABEL,
    NOTE,
    EXPRESSION,
    ATTRIBUTES,
    BY_TYPE
  }

  DemoRows(TargetDeclaration target) {
    if (target.keyColumns().size() != 1
        || target.column(target.keyColumns().getFirst()).type() != ColumnType.INT64) {
      throw new IllegalArgumentException(
          "target '"
              + target.name()
              + "': the demo generator needs one INT64 key column, got "
              + target.keyColumns());
    }
    this.target = target;
    List<ColumnDeclaration> declared = target.columns();
    this.columns = declared.toArray(ColumnDeclaration[]::new);
    this.kinds = new Kind[columns.length];
    this.maxLengths = new int[columns.length];
    for (int i = 0; i < columns.length; i++) {
      ColumnDeclaration column = columns[i];
      kinds[i] = kindOf(target, column);
      OptionalInt length = DemoSchema.maxLength(column.name());
      maxLengths[i] = length.orElse(UNBOUNDED_TEXT);
    }
  }

  TargetDeclaration target() {
    return target;
  }

  /** Width of a row: the client id plus the declared columns. */
  int width() {
    return columns.length + 1;
  }

  /** Fills {@code row} with a whole row for key {@code id}. */
  void fill(Object[] row, ClientPlan client, RandomGenerator random, long id, long version) {
    row[0] = client.clientId();
    for (int i = 0; i < columns.length; i++) {
      row[i + 1] = value(i, client, random, id, version);
    }
  }

  /**
   * Fills new values for every column but the client, key and version (which keep what {@code row}
   * holds, except the version), as an update would.
   */
  void update(Object[] row, ClientPlan client, RandomGenerator random, long version) {
    long id = (Long) row[1 + keyIndex()];
    for (int i = 0; i < columns.length; i++) {
      if (kinds[i] != Kind.KEY) {
        row[i + 1] = value(i, client, random, id, version);
      }
    }
  }

  int keyIndex() {
    return target.indexOf(target.keyColumns().getFirst());
  }

  int versionIndex() {
    return target.indexOf(target.versionColumn());
  }

  private Object value(int i, ClientPlan client, RandomGenerator random, long id, long version) {
    ColumnDeclaration column = columns[i];
    Kind kind = kinds[i];
    if (kind == Kind.KEY) {
      return id;
    }
    if (kind == Kind.VERSION) {
      return version;
    }
    if (kind == Kind.PARENT) {
      // Roots (about one in ten, and the first row) have no parent; the others point backwards.
      return id <= 1 || random.nextDouble() < NULL_RATE ? null : 1 + random.nextLong(id - 1);
    }
    if (column.nullable() && random.nextDouble() < NULL_RATE) {
      return null;
    }
    return switch (kind) {
      case REFERENCE -> {
        String referenced = REFERENCES.get(column.name());
        Long rows = client.rowsPerTarget().get(referenced);
        yield 1 + random.nextLong(rows == null || rows < 1 ? 1000 : rows);
      }
      case METRIC -> METRICS[random.nextInt(METRICS.length)];
      case KIND -> KINDS[random.nextInt(KINDS.length)];
      case LEVEL -> random.nextInt(6);
      case QUANTITY ->
          random.nextDouble() < 0.02 ? -random.nextInt(1, 100) : random.nextInt(10_001);
      case PRECISION_DIGITS -> random.nextInt(13);
      case UNIT_DOUBLE -> random.nextDouble();
      case ACTIVE -> random.nextDouble() < 0.8;
      case NAME -> truncate(name(random, id), maxLengths[i]);
      case LABEL -> text(random, 1, 4, maxLengths[i]);
      case NOTE -> random.nextDouble() < 0.02 ? "" : text(random, 3, 12, maxLengths[i]);
      case EXPRESSION -> truncate(expression(random), maxLengths[i]);
      case ATTRIBUTES -> attributes(random);
      case BY_TYPE -> byType(column, random, maxLengths[i]);
      case KEY, VERSION, PARENT -> throw new AssertionError(kind);
    };
  }

  private static Kind kindOf(TargetDeclaration target, ColumnDeclaration column) {
    String name = column.name();
    ColumnType type = column.type();
    if (name.equalsIgnoreCase(target.keyColumns().getFirst())) {
      return Kind.KEY;
    }
    if (name.equalsIgnoreCase(target.versionColumn())) {
      return Kind.VERSION;
    }
    if (type == ColumnType.INT64 && REFERENCES.containsKey(name)) {
      return Kind.REFERENCE;
    }
    if (type == ColumnType.INT64 && name.equals("parent_id") && column.nullable()) {
      return Kind.PARENT;
    }
    if (type == ColumnType.INT32) {
      switch (name) {
        case "level":
          return Kind.LEVEL;
        case "quantity":
          return Kind.QUANTITY;
        case "precision_digits":
          return Kind.PRECISION_DIGITS;
        default:
          return Kind.BY_TYPE;
      }
    }
    if (type == ColumnType.DOUBLE && name.equals("weight")) {
      return Kind.UNIT_DOUBLE;
    }
    if (type == ColumnType.BOOLEAN && name.equals("active")) {
      return Kind.ACTIVE;
    }
    if (type == ColumnType.STRING) {
      return switch (name) {
        case "metric" -> Kind.METRIC;
        case "kind" -> Kind.KIND;
        case "name" -> Kind.NAME;
        case "label" -> Kind.LABEL;
        case "note" -> Kind.NOTE;
        case "expression" -> Kind.EXPRESSION;
        case "attributes" -> Kind.ATTRIBUTES;
        default -> Kind.BY_TYPE;
      };
    }
    return Kind.BY_TYPE;
  }

  private static Object byType(ColumnDeclaration column, RandomGenerator random, int maxLength) {
    return switch (column.type()) {
      case BOOLEAN -> random.nextBoolean();
      case INT32 -> random.nextInt();
      case INT64 -> random.nextLong();
      case DOUBLE -> (random.nextDouble() * 2 - 1) * Math.pow(10, random.nextInt(-3, 7));
      case DECIMAL -> decimal(random, column.precision(), column.scale());
      case STRING -> text(random, 1, 8, maxLength);
      case DATE -> date(random);
      case TIMESTAMP -> timestamp(random);
      case BYTES -> bytes(random, maxLength);
    };
  }

  /** A value with exactly {@code scale} fraction digits and 1..precision significant digits. */
  static BigDecimal decimal(RandomGenerator random, int precision, int scale) {
    int digits = random.nextInt(1, precision + 1);
    BigInteger unscaled;
    if (digits <= 18) {
      unscaled = BigInteger.valueOf(random.nextLong(pow10(digits)));
    } else {
      byte[] bytes = new byte[digits / 2 + 1];
      random.nextBytes(bytes);
      unscaled = new BigInteger(1, bytes).mod(BigInteger.TEN.pow(digits));
    }
    if (random.nextBoolean()) {
      unscaled = unscaled.negate();
    }
    return new BigDecimal(unscaled, scale);
  }

  static LocalDate date(RandomGenerator random) {
    return LocalDate.ofEpochDay(random.nextLong(FIRST_DAY.toEpochDay(), LAST_DAY.toEpochDay() + 1));
  }

  /** A UTC wall-clock time in 2000-2030 with microsecond precision. */
  static LocalDateTime timestamp(RandomGenerator random) {
    long second = random.nextLong(FIRST_SECOND, END_SECOND);
    int micros = random.nextInt(1_000_000);
    return LocalDateTime.ofEpochSecond(second, micros * 1000, ZoneOffset.UTC);
  }

  private static byte[] bytes(RandomGenerator random, int maxLength) {
    double pick = random.nextDouble();
    int length = pick < 0.03 ? 0 : pick < 0.5 ? 16 : 32;
    byte[] bytes = new byte[Math.min(length, maxLength)];
    random.nextBytes(bytes);
    return bytes;
  }

  static String text(RandomGenerator random, int minWords, int maxWords, int maxLength) {
    int words = random.nextInt(minWords, maxWords + 1);
    StringBuilder text = new StringBuilder(words * 8);
    for (int w = 0; w < words; w++) {
      if (w > 0) {
        text.append(' ');
      }
      text.append(word(random));
    }
    return truncate(text.toString(), maxLength);
  }

  private static String word(RandomGenerator random) {
    // About one value in forty carries an emoji (a supplementary code point, 4 bytes in UTF-8).
    if (random.nextInt(200) == 0) {
      return EMOJI[random.nextInt(EMOJI.length)];
    }
    return WORDS[random.nextInt(WORDS.length)];
  }

  private static String name(RandomGenerator random, long id) {
    return word(random) + " " + word(random) + " #" + id;
  }

  private static String expression(RandomGenerator random) {
    StringBuilder expression = new StringBuilder();
    int terms = random.nextInt(1, 5);
    for (int t = 0; t < terms; t++) {
      if (t > 0) {
        expression.append(random.nextBoolean() ? " + " : " * ");
      }
      expression
          .append(FUNCTIONS[random.nextInt(FUNCTIONS.length)])
          .append("(x_")
          .append(random.nextInt(1, 500))
          .append(")");
      if (random.nextInt(4) == 0) {
        expression.append(" / ").append(random.nextInt(1, 1000)).append(".5");
      }
    }
    return expression.toString();
  }

  /** A small JSON object; its strings come from the same unicode word list, escaped as JSON. */
  private static String attributes(RandomGenerator random) {
    StringBuilder json = new StringBuilder("{");
    int fields = random.nextInt(1, 6);
    for (int f = 0; f < fields; f++) {
      if (f > 0) {
        json.append(',');
      }
      json.append("\"k").append(f).append("\":");
      switch (random.nextInt(3)) {
        case 0 -> json.append(random.nextInt(-1000, 1000));
        case 1 -> json.append(random.nextBoolean());
        default -> appendJsonString(json, word(random));
      }
    }
    return json.append('}').toString();
  }

  private static void appendJsonString(StringBuilder json, String value) {
    json.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        case '\n' -> json.append("\\n");
        case '\r' -> json.append("\\r");
        case '\t' -> json.append("\\t");
        default -> json.append(c);
      }
    }
    json.append('"');
  }

  /** Cuts to {@code maxLength} UTF-16 chars without splitting a surrogate pair. */
  static String truncate(String value, int maxLength) {
    if (value.length() <= maxLength) {
      return value;
    }
    int end = maxLength;
    if (Character.isHighSurrogate(value.charAt(end - 1))) {
      end--;
    }
    return value.substring(0, end);
  }

  /** A client's display name, unique by its number. */
  static String clientName(RandomGenerator random, int number) {
    return COMPANY[random.nextInt(COMPANY.length)]
        + " "
        + COMPANY_SUFFIX[random.nextInt(COMPANY_SUFFIX.length)]
        + " "
        + number;
  }

  private static long pow10(int digits) {
    long value = 1;
    for (int i = 0; i < digits; i++) {
      value *= 10;
    }
    return value;
  }
}
