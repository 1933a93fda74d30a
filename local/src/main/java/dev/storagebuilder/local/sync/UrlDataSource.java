package dev.storagebuilder.local.sync;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** A connection per call from a JDBC URL: enough for the local tools' few reads (no pool). */
public record UrlDataSource(String url, String username, String password) implements DataSource {
  @Override
  public Connection getConnection() throws SQLException {
    return username == null ? DriverManager.getConnection(url) : DriverManager.getConnection(url, username, password);
  }

  @Override
  public Connection getConnection(String user, String pass) throws SQLException {
    return DriverManager.getConnection(url, user, pass);
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return false;
  }

  @Override
  public String toString() {
    return "UrlDataSource[" + url + "]";
  }
}
