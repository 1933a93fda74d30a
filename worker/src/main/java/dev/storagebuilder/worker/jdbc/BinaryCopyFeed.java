package dev.storagebuilder.worker.jdbc;

import dev.storagebuilder.common.target.ColumnType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/**
 * Rows of a {@code COPY (...) TO STDOUT (FORMAT binary)} stream, decoded straight into the prefetch
 * column arrays as exactly the values pgjdbc's getters return for the same columns (see {@link
 * #decoderFor}): the database skips text formatting and the driver its per-row result set work.
 *
 * <p>Text, dates, timestamps and numerics that fit a long stay in their wire form in the arrays
 * (UTF-8 bytes left in the driver's message, days or microseconds since 2000-01-01, the digits as
 * a long with their scales):
 * {@link PrefetchingResultSet}'s getters build the driver's objects from them on request ({@link
 * #date}, {@link #timestamp}, {@link #decimal}), and the snapshot writer takes its stored form from
 * them without any object at all ({@link #storedDays}, {@link #storedMicros}, {@link
 * #storedUnscaled}, {@link #textSlot}).
 *
 * <p>Format (PostgreSQL docs, "COPY", binary format): an 11-byte signature, flags and a header
 * extension; per tuple an int16 field count, per field an int32 length (-1 for NULL) and the type's
 * send representation; an int16 -1 trailer. Integers are big-endian. Times count from 2000-01-01.
 */
final class BinaryCopyFeed implements PrefetchingResultSet.RowFeed {
  private static final byte[] SIGNATURE = "PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1);
  private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  /** 2000-01-01, PostgreSQL's epoch, in days and seconds since 1970-01-01. */
  private static final int PG_EPOCH_DAYS = 10_957;

  private static final long PG_EPOCH_SECONDS = PG_EPOCH_DAYS * 86_400L;
  private static final long PG_EPOCH_MICROS = PG_EPOCH_SECONDS * 1_000_000L;
  /** 10^0 .. 10^18: the powers of ten a long holds. */
  private static final long[] POWERS_OF_TEN = new long[19];

  static {
    POWERS_OF_TEN[0] = 1;
    for (int i = 1; i < POWERS_OF_TEN.length; i++) {
      POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
    }
  }

  private static final BigInteger TEN_THOUSAND = BigInteger.valueOf(10_000);
  private static final byte[] EMPTY = new byte[0];

  /** How one source column is decoded; each yields what the JDBC getter of its declared type would. */
  enum Decoder {
    BOOL,
    INT2,
    INT4,
    INT8,
    FLOAT8,
    NUMERIC,
    TEXT,
    DATE,
    TIMESTAMP,
    TIMESTAMPTZ,
    BYTEA
  }

  private final PGConnection connection;
  private final CopyOut copy;
  private final Decoder[] decoders;
  private byte[] buffer = EMPTY;
  private int position;
  private int limit;
  private boolean started;
  private boolean ended;
  private final CancelRequest cancelRequest;

  /** {@code connection}: the driver's own, not a pool's proxy. */
  BinaryCopyFeed(PGConnection connection, CopyOut copy, Decoder[] decoders) {
    this.connection = connection;
    this.copy = copy;
    this.decoders = decoders.clone();
    this.cancelRequest =
        new CancelRequest(connection::cancelQuery, () -> connection instanceof Connection jdbc && jdbc.isClosed());
  }

  /**
   * The decoder for a source column of PostgreSQL type {@code pgType} (as the driver names it)
   * declared as {@code declared}, or null when this feed would not return exactly what the JDBC
   * path returns (the caller then reads over JDBC). Only pairs whose JDBC conversion is lossless
   * and unambiguous are listed: e.g. float4 → DOUBLE is left out (the driver widens text and
   * binary float4 differently), and so are domains, json, uuid and every other type.
   */
  static Decoder decoderFor(ColumnType declared, String pgType) {
    String type = pgType.toLowerCase(Locale.ROOT);
    return switch (declared) {
      case BOOLEAN -> type.equals("bool") ? Decoder.BOOL : null;
      case INT32 -> type.equals("int4") ? Decoder.INT4 : type.equals("int2") ? Decoder.INT2 : null;
      case INT64 -> switch (type) {
        case "int8" -> Decoder.INT8;
        case "int4" -> Decoder.INT4;
        case "int2" -> Decoder.INT2;
        default -> null;
      };
      case DOUBLE -> type.equals("float8") ? Decoder.FLOAT8 : null;
      case DECIMAL -> type.equals("numeric") ? Decoder.NUMERIC : null;
      case STRING -> type.equals("text") || type.equals("varchar") || type.equals("bpchar") ? Decoder.TEXT : null;
      case DATE -> type.equals("date") ? Decoder.DATE : null;
      case TIMESTAMP -> type.equals("timestamp") ? Decoder.TIMESTAMP : type.equals("timestamptz") ? Decoder.TIMESTAMPTZ : null;
      case BYTES -> type.equals("bytea") ? Decoder.BYTEA : null;
    };
  }

  @Override
  public Decoder[] wireForms() {
    return decoders.clone();
  }

  @Override
  public boolean next(long[][] longs, Object[][] refs, boolean[][] nulls, long[][] scales, int row)
      throws SQLException {
    if (ended) {
      return false;
    }
    if (!started) {
      readHeader();
      started = true;
    }
    require(2);
    int fields = (short) SHORT.get(buffer, position);
    position += 2;
    if (fields == -1) {
      finish();
      return false;
    }
    if (fields != decoders.length) {
      throw new SQLException("COPY sent a row of " + fields + " columns, expected " + decoders.length, "08P01");
    }
    for (int c = 0; c < decoders.length; c++) {
      require(4);
      int length = (int) INT.get(buffer, position);
      position += 4;
      if (length < 0) {
        nulls[c][row] = true;
        longs[c][row] = 0;
        refs[c][row] = null;
        continue;
      }
      require(length);
      nulls[c][row] = false;
      decode(decoders[c], length, longs[c], refs[c], scales[c], row);
      position += length;
    }
    return true;
  }

  private void decode(Decoder decoder, int length, long[] longs, Object[] refs, long[] scales, int row)
      throws SQLException {
    byte[] b = buffer;
    int p = position;
    switch (decoder) {
      case BOOL -> longs[row] = b[p] != 0 ? 1 : 0;
      case INT2 -> longs[row] = (short) SHORT.get(b, p);
      case INT4 -> longs[row] = (int) INT.get(b, p);
      case INT8 -> longs[row] = (long) LONG.get(b, p);
      // Every NaN as Java's one NaN, as the writer stores it: a NaN PostgreSQL computed has other
      // bits (x86's default NaN has the sign bit set) than the one text JDBC parses from "NaN".
      case FLOAT8 -> longs[row] = Double.doubleToLongBits(Double.longBitsToDouble((long) LONG.get(b, p)));
      case NUMERIC -> {
        if (!numericAsLong(b, p, longs, scales, row)) {
          refs[row] = numeric(b, p);
        } else {
          refs[row] = null;
        }
      }
      case TEXT -> {
        // The driver's message array is never written again: the value stays in it, uncopied.
        refs[row] = b;
        // Checked here, on the reader thread, so the writer's thread need not look at the bytes.
        longs[row] = textSlot(p, length, ascii(b, p, length) || wellFormedUtf8(b, p, length));
      }
      case DATE -> {
        longs[row] = (int) INT.get(b, p);
        refs[row] = null;
      }
      case TIMESTAMP, TIMESTAMPTZ -> {
        longs[row] = (long) LONG.get(b, p);
        refs[row] = null;
      }
      case BYTEA -> {
        byte[] bytes = new byte[length];
        System.arraycopy(b, p, bytes, 0, length);
        refs[row] = bytes;
      }
    }
  }

  /**
   * What a TEXT value's {@code longs} slot holds: where its bytes sit in the message array its
   * {@code refs} slot holds, and whether they are stored as they came (all ASCII, or well-formed
   * UTF-8: decoding and encoding them again gives the same bytes) or need the round trip through
   * {@code String} (not UTF-8: a SQL_ASCII database).
   */
  static long textSlot(int offset, int length, boolean asIs) {
    return (long) offset << 32 | (long) length << 1 | (asIs ? 0 : 1);
  }

  static int textOffset(long slot) {
    return (int) (slot >>> 32);
  }

  static int textLength(long slot) {
    return (int) (slot & 0xFFFF_FFFFL) >>> 1;
  }

  /** See {@link #textSlot}. */
  static boolean textAsIs(long slot) {
    return (slot & 1) == 0;
  }

  /** A TEXT value as pgjdbc's getString returns it. */
  static String text(byte[] message, long slot) {
    return new String(message, textOffset(slot), textLength(slot), StandardCharsets.UTF_8);
  }

  /** A TIMESTAMPTZ value as pgjdbc's getObject(OffsetDateTime) returns it. */
  static OffsetDateTime timestamptz(long micros) {
    return micros == Long.MAX_VALUE
        ? OffsetDateTime.MAX
        : micros == Long.MIN_VALUE ? OffsetDateTime.MIN : OffsetDateTime.of(timestamp(micros), ZoneOffset.UTC);
  }

  /**
   * A NUMERIC value left as a long by {@link #numericAsLong} as pgjdbc's getBigDecimal returns it
   * (with the display scale).
   */
  static BigDecimal decimal(long digits, long scales) {
    return BigDecimal.valueOf(digits, digitsScale(scales)).setScale(displayScale(scales), RoundingMode.UNNECESSARY);
  }

  /**
   * The snapshot's form of a TEXT value whose bytes are not stored as they came ({@link
   * #textAsIs}): its UTF-8 as {@code getString(...).getBytes(UTF_8)} makes it, so even text that is
   * not UTF-8 ends up as the JDBC path stores it. ASCII and well-formed UTF-8 skip this round trip
   * (in the update-all bench it cost ~8 % of the workers' CPU on the demo's accented names).
   */
  static byte[] reencoded(byte[] message, long slot) {
    return text(message, slot).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Whether {@code length} bytes at {@code p} are UTF-8 that Java decodes without a replacement
   * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF), so that decoding and
   * encoding them again is the identity.
   */
  static boolean wellFormedUtf8(byte[] b, int p, int length) {
    int end = p + length;
    int i = p;
    while (i < end) {
      int lead = b[i] & 0xff;
      if (lead < 0x80) {
        i++;
      } else if (lead < 0xC2) {
        return false; // a continuation byte first, or an overlong two-byte form
      } else if (lead < 0xE0) {
        if (end - i < 2 || !continuation(b[i + 1])) {
          return false;
        }
        i += 2;
      } else if (lead < 0xF0) {
        if (end - i < 3 || !continuation(b[i + 1]) || !continuation(b[i + 2])) {
          return false;
        }
        int second = b[i + 1] & 0xff;
        if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second >= 0xA0)) {
          return false; // overlong, or a surrogate
        }
        i += 3;
      } else if (lead < 0xF5) {
        if (end - i < 4 || !continuation(b[i + 1]) || !continuation(b[i + 2]) || !continuation(b[i + 3])) {
          return false;
        }
        int second = b[i + 1] & 0xff;
        if ((lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second >= 0x90)) {
          return false; // overlong, or past U+10FFFF
        }
        i += 4;
      } else {
        return false;
      }
    }
    return true;
  }

  private static boolean continuation(byte b) {
    return (b & 0xC0) == 0x80;
  }

  /** Whether {@code length} bytes at {@code p} are all ASCII: eight at a time, then the rest. */
  static boolean ascii(byte[] b, int p, int length) {
    int end = p + length;
    int i = p;
    long bits = 0;
    for (; i + Long.BYTES <= end; i += Long.BYTES) {
      bits |= (long) LONG.get(b, i);
    }
    for (; i < end; i++) {
      bits |= b[i]; // a byte >= 0x80 sign-extends, which sets bit 7 too
    }
    return (bits & 0x8080_8080_8080_8080L) == 0;
  }

  /** Whether a DATE has a stored form: not ±infinity, days since 1970-01-01 within an int (as the writer checks). */
  static boolean storedDaysFit(long wireDays) {
    long days = wireDays + PG_EPOCH_DAYS;
    return wireDays != Integer.MAX_VALUE && wireDays != Integer.MIN_VALUE
        && days >= Integer.MIN_VALUE && days <= Integer.MAX_VALUE;
  }

  /** Days since 1970-01-01: what the writer makes of the driver's LocalDate. */
  static long storedDays(long wireDays) {
    return wireDays + PG_EPOCH_DAYS;
  }

  /** Whether a TIMESTAMP[TZ] has a stored form (not ±infinity, no overflow). */
  static boolean storedMicrosFit(long wireMicros) {
    return wireMicros != Long.MAX_VALUE && wireMicros != Long.MIN_VALUE
        && wireMicros <= Long.MAX_VALUE - PG_EPOCH_MICROS;
  }

  /** Microseconds since 1970-01-01 UTC: what the writer makes of the driver's LocalDateTime/OffsetDateTime. */
  static long storedMicros(long wireMicros) {
    return wireMicros + PG_EPOCH_MICROS;
  }

  /**
   * The unscaled value at {@code scale} of a NUMERIC left as a long, or {@link Long#MIN_VALUE} when
   * the writer needs the BigDecimal: it would need rounding, overflow a long, or exceed {@code
   * precision} digits (the writer then rejects it, or stores a wider value, as before). Long.MIN_VALUE
   * itself is never an exact result here (it is no multiple of 10 and above every value a NUMERIC
   * of at most 18 digits in a long reaches).
   */
  static long storedUnscaled(long digits, long scales, int precision, int scale) {
    int shift = scale - digitsScale(scales);
    long unscaled;
    if (shift >= 0) {
      if (shift >= POWERS_OF_TEN.length) {
        return digits == 0 ? 0 : Long.MIN_VALUE;
      }
      unscaled = digits * POWERS_OF_TEN[shift];
      if (Math.multiplyHigh(digits, POWERS_OF_TEN[shift]) != unscaled >> 63) {
        return Long.MIN_VALUE; // overflows a long
      }
    } else {
      if (-shift >= POWERS_OF_TEN.length) {
        return digits == 0 ? 0 : Long.MIN_VALUE;
      }
      long divisor = POWERS_OF_TEN[-shift];
      if (digits % divisor != 0) {
        return Long.MIN_VALUE; // needs rounding
      }
      unscaled = digits / divisor;
    }
    long magnitude = Math.abs(unscaled);
    int length = 1;
    while (length < POWERS_OF_TEN.length && magnitude >= POWERS_OF_TEN[length]) {
      length++;
    }
    return length > precision ? Long.MIN_VALUE : unscaled;
  }

  private static int digitsScale(long scales) {
    return (int) (scales >> 32);
  }

  private static int displayScale(long scales) {
    return (int) scales;
  }

  /** As pgjdbc's getObject(LocalDate): infinity is LocalDate.MAX, -infinity LocalDate.MIN. */
  static LocalDate date(int days) {
    if (days == Integer.MAX_VALUE) {
      return LocalDate.MAX;
    }
    if (days == Integer.MIN_VALUE) {
      return LocalDate.MIN;
    }
    return LocalDate.ofEpochDay(days + (long) PG_EPOCH_DAYS);
  }

  /** Microseconds since 2000-01-01 as wall-clock time; infinity as LocalDateTime.MAX/MIN, as the driver. */
  static LocalDateTime timestamp(long micros) {
    if (micros == Long.MAX_VALUE) {
      return LocalDateTime.MAX;
    }
    if (micros == Long.MIN_VALUE) {
      return LocalDateTime.MIN;
    }
    long seconds = Math.floorDiv(micros, 1_000_000L) + PG_EPOCH_SECONDS;
    int nanos = (int) Math.floorMod(micros, 1_000_000L) * 1_000;
    return LocalDateTime.ofEpochSecond(seconds, nanos, ZoneOffset.UTC);
  }

  /**
   * Leaves a finite NUMERIC whose base-10000 digits fit a long as that long (signed) in {@code
   * digits[row]} and its scales in {@code scales[row]}: the digits' own scale (high int) and the
   * display scale (low int). False for anything else (NaN, infinities, more digits, digits beyond
   * the display scale): {@link #numeric} decodes those, or fails as the driver does.
   */
  private static boolean numericAsLong(byte[] b, int p, long[] digitsOut, long[] scales, int row) {
    int digits = (short) SHORT.get(b, p);
    int weight = (short) SHORT.get(b, p + 2);
    int sign = Short.toUnsignedInt((short) SHORT.get(b, p + 4));
    int scale = Short.toUnsignedInt((short) SHORT.get(b, p + 6));
    if ((sign != 0x0000 && sign != 0x4000) || digits > 4) {
      return false; // 4 base-10000 digits (16 decimal ones) always fit; longer ones take the general path
    }
    long small = 0;
    for (int i = 0; i < digits; i++) {
      small = small * 10_000 + (short) SHORT.get(b, p + 8 + 2 * i);
    }
    int digitsScale = -4 * (weight - digits + 1);
    if (digitsScale > scale) {
      // numeric() drops the excess digits only when they are zeros (PostgreSQL pads the last
      // base-10000 digit); otherwise it fails, which it shall do then.
      int excess = digitsScale - scale;
      if (excess >= POWERS_OF_TEN.length || small % POWERS_OF_TEN[excess] != 0) {
        return false;
      }
    }
    digitsOut[row] = sign == 0x4000 ? -small : small;
    scales[row] = ((long) digitsScale << 32) | (scale & 0xffff_ffffL);
    return true;
  }

  /**
   * numeric_send: int16 digit count, int16 weight (of the first base-10000 digit), int16 sign,
   * int16 display scale, then the digits. The result has the display scale, as {@code new
   * BigDecimal(text)} of the driver's text form has.
   */
  private static BigDecimal numeric(byte[] b, int p) throws SQLException {
    int digits = (short) SHORT.get(b, p);
    int weight = (short) SHORT.get(b, p + 2);
    int sign = Short.toUnsignedInt((short) SHORT.get(b, p + 4));
    int scale = Short.toUnsignedInt((short) SHORT.get(b, p + 6));
    if (sign != 0x0000 && sign != 0x4000) {
      String special = sign == 0xC000 ? "NaN" : sign == 0xD000 ? "Infinity" : sign == 0xF000 ? "-Infinity" : "sign " + sign;
      // What the driver says when getBigDecimal meets these: a value error, not retryable.
      throw new PSQLException("Bad value for type BigDecimal : " + special, PSQLState.NUMERIC_VALUE_OUT_OF_RANGE);
    }
    long small = 0;
    BigInteger big = null;
    for (int i = 0; i < digits; i++) {
      int digit = (short) SHORT.get(b, p + 8 + 2 * i);
      if (big == null && small < 922_337_203_685_477L) { // small * 10_000 + 9_999 still fits a long
        small = small * 10_000 + digit;
      } else {
        big = (big == null ? BigInteger.valueOf(small) : big).multiply(TEN_THOUSAND).add(BigInteger.valueOf(digit));
      }
    }
    // The digits as one integer have their last digit at 10^(4 * (weight - digits + 1)).
    int digitsScale = -4 * (weight - digits + 1);
    BigDecimal value = big == null ? BigDecimal.valueOf(small, digitsScale) : new BigDecimal(big, digitsScale);
    if (sign == 0x4000) {
      value = value.negate();
    }
    try {
      return value.setScale(scale, RoundingMode.UNNECESSARY);
    } catch (ArithmeticException e) {
      throw new PSQLException(
          "COPY sent numeric " + value + " with more digits than its scale " + scale, PSQLState.NUMERIC_VALUE_OUT_OF_RANGE, e);
    }
  }

  private void readHeader() throws SQLException {
    require(SIGNATURE.length + 8);
    for (int i = 0; i < SIGNATURE.length; i++) {
      if (buffer[position + i] != SIGNATURE[i]) {
        throw new SQLException("COPY did not send a binary COPY header", "08P01");
      }
    }
    position += SIGNATURE.length + 4; // flags: bit 16 (OIDs) is never set for a query
    int extension = (int) INT.get(buffer, position);
    position += 4;
    require(extension);
    position += extension;
  }

  /** Makes {@code n} bytes available from {@link #position}, joining messages where a value spans two. */
  private void require(int n) throws SQLException {
    while (limit - position < n) {
      byte[] message = read();
      if (message == null) {
        ended = true;
        throw new SQLException("COPY ended in the middle of a row", "08P01");
      }
      if (position == limit) {
        buffer = message;
      } else {
        byte[] joined = new byte[limit - position + message.length];
        System.arraycopy(buffer, position, joined, 0, limit - position);
        System.arraycopy(message, 0, joined, limit - position, message.length);
        buffer = joined;
      }
      position = 0;
      limit = buffer.length;
    }
  }

  /** After the trailer: reads to the end of the operation, so the connection is free for the next statement. */
  private void finish() throws SQLException {
    ended = true;
    while (read() != null) {
      // nothing follows the trailer
    }
  }

  /** The COPY's next message, noting a connection that failed under it. */
  private byte[] read() throws SQLException {
    try {
      return copy.readFromCopy();
    } catch (SQLException e) {
      cancelRequest.noteFailure(e);
      throw e;
    }
  }

  /**
   * From a thread of its own ({@link CancelRequest}): returns at once. Not asking {@code
   * copy.isActive()} first: that takes the connection's lock, which the reader thread holds while it
   * waits for the server's next message.
   */
  @Override
  public void cancel() {
    cancelRequest.send();
  }

  /**
   * An abandoned COPY is cancelled and read to its end, so the connection goes back to the pool
   * clean (its transaction aborted: the caller rolls back). Not the driver's {@code cancelCopy}: for
   * a COPY TO it only sends the cancel and leaves the rest of the stream unread on the connection,
   * where the next statement would trip over it. The read ends with the cancel's error, with the
   * COPY's own end when the cancel came too late, or with the connection's failure (aborted, reset):
   * on a source that stopped answering only that ends it, and then nothing waits for the cancel.
   * A connection already gone gets no cancel.
   */
  @Override
  public void close() throws SQLException {
    try {
      if (copy.isActive() && !cancelRequest.connectionGone()) {
        cancelRequest.send();
        readToTheEnd();
      }
    } finally {
      cancelRequest.awaitUnlessConnectionGone();
    }
  }

  private void readToTheEnd() throws SQLException {
    try {
      while (read() != null) {
        // discarded: rows sent before the server saw the cancel
      }
    } catch (SQLException e) {
      if (copy.isActive()) {
        throw e;
      }
      // the cancel's own error ("canceling statement due to user request") ends the operation, as
      // does the connection's failure
    }
  }
}
