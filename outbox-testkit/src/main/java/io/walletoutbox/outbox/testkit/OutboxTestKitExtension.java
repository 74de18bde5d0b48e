package io.walletoutbox.outbox.testkit;

import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each JUnit 5 test an {@link OutboxTestKit} of its own, registered with {@code @RegisterExtension}:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final OutboxTestKitExtension outbox = OutboxTestKitExtension.builder(
 *                 () -> OutboxTestKit.builder(dataSource).topics("orders").build())
 *         .build();
 *
 * @Test
 * void placingAnOrderPublishesOrderPlaced() {
 *     orders.place(...);
 *     List<SentRecord> sent = outbox.kit().drain();
 *     ...
 * }
 * }</pre>
 *
 * Before each test it makes a kit with the given supplier (called then, so it may use what {@code @BeforeAll} set
 * up); after each test it asserts that no event is parked (unless {@link Builder#assertNoParkedAfterEach
 * switched off}) and closes the kit. A test gets the kit from {@link #kit()} or as a parameter of type {@link
 * OutboxTestKit}. Works as a static field (one extension for the class) or an instance field; for tests of one class
 * run one at a time (the default), as the current kit is the extension's.
 */
public final class OutboxTestKitExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private final Supplier<OutboxTestKit> kits;
    private final boolean assertNoParkedAfterEach;
    private volatile OutboxTestKit kit;

    private OutboxTestKitExtension(Builder b) {
        this.kits = b.kits;
        this.assertNoParkedAfterEach = b.assertNoParkedAfterEach;
    }

    /**
     * A builder of an extension that makes each test's kit with {@code kitPerTest} (called before each test, on the
     * test's thread; a kit it returns is closed after that test).
     *
     * @param kitPerTest makes a new kit for each test; must not return null
     * @return a new builder
     * @throws NullPointerException when {@code kitPerTest} is null
     */
    public static Builder builder(Supplier<OutboxTestKit> kitPerTest) {
        return new Builder(kitPerTest);
    }

    /**
     * The current test's kit.
     *
     * @return the kit made for the current test
     * @throws IllegalStateException outside a test (before the extension's {@code beforeEach} or after its {@code
     *     afterEach})
     */
    public OutboxTestKit kit() {
        OutboxTestKit current = kit;
        if (current == null) {
            throw new IllegalStateException("no test is running: the kit exists from before each test to after it");
        }
        return current;
    }

    /** Makes the test's kit (called by JUnit before each test). */
    @Override
    public void beforeEach(ExtensionContext context) {
        kit = Objects.requireNonNull(kits.get(), "the kit supplier returned null");
    }

    /**
     * Asserts no parked events (if configured) and closes the test's kit (called by JUnit after each test); the kit
     * is closed even when the assertion fails.
     */
    @Override
    public void afterEach(ExtensionContext context) {
        OutboxTestKit current = kit;
        kit = null;
        if (current == null) {
            return;
        }
        try (current) {
            if (assertNoParkedAfterEach && context.getExecutionException().isEmpty()) {
                current.assertNoParked();
            }
        }
    }

    /** Resolves parameters of type {@link OutboxTestKit}. */
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == OutboxTestKit.class;
    }

    /** The current test's kit. */
    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        OutboxTestKit current = kit;
        if (current == null) {
            throw new ParameterResolutionException(
                    "an OutboxTestKit exists only in test methods and @BeforeEach/@AfterEach");
        }
        return current;
    }

    /** Builds an {@link OutboxTestKitExtension}; made by {@link OutboxTestKitExtension#builder(Supplier)}. */
    public static final class Builder {
        private final Supplier<OutboxTestKit> kits;
        private boolean assertNoParkedAfterEach = true;

        private Builder(Supplier<OutboxTestKit> kits) {
            this.kits = Objects.requireNonNull(kits, "kitPerTest");
        }

        /**
         * Whether each test that passed is then failed when events are left parked ({@link
         * OutboxTestKit#assertNoParked()}). Default: true. Switch it off for tests that park events on purpose, or
         * call {@code OutboxAdmin.discard} in them.
         *
         * @param check whether to check
         * @return this builder
         */
        public Builder assertNoParkedAfterEach(boolean check) {
            this.assertNoParkedAfterEach = check;
            return this;
        }

        /**
         * The extension.
         *
         * @return a new extension
         */
        public OutboxTestKitExtension build() {
            return new OutboxTestKitExtension(this);
        }
    }
}
