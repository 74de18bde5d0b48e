package io.walletoutbox.wallet;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/** A data source whose connections count what reaches the server: statement executions, commits, rollbacks. */
final class CountingDataSource {
    private CountingDataSource() {}

    static DataSource counting(DataSource target, AtomicInteger counter) {
        return (DataSource) Proxy.newProxyInstance(
                CountingDataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (p, m, args) -> {
                    Object result = invoke(target, m, args);
                    return m.getName().equals("getConnection") ? connection((Connection) result, counter) : result;
                });
    }

    private static Connection connection(Connection target, AtomicInteger counter) {
        return (Connection) Proxy.newProxyInstance(
                CountingDataSource.class.getClassLoader(), new Class<?>[] {Connection.class}, (p, m, args) -> {
                    if (m.getName().equals("commit") || m.getName().equals("rollback")) {
                        counter.incrementAndGet();
                    }
                    Object result = invoke(target, m, args);
                    return result instanceof Statement s ? statement(s, counter) : result;
                });
    }

    private static Object statement(Statement target, AtomicInteger counter) {
        Class<?>[] types = target instanceof java.sql.CallableStatement
                ? new Class<?>[] {java.sql.CallableStatement.class}
                : target instanceof java.sql.PreparedStatement
                        ? new Class<?>[] {java.sql.PreparedStatement.class}
                        : new Class<?>[] {Statement.class};
        return Proxy.newProxyInstance(CountingDataSource.class.getClassLoader(), types, (p, m, args) -> {
            if (m.getName().startsWith("execute")) {
                counter.incrementAndGet();
            }
            return invoke(target, m, args);
        });
    }

    private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
