package io.walletoutbox.provider.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.internal.BillerResponses.Attempt;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import org.junit.jupiter.api.Test;

class BillerResponsesTest {

    @Test
    void createdWithPaidIsPaidWithTheBillersId() {
        assertEquals(
                new Attempt.Definite(new BillerOutcome.Paid("pay_1")),
                BillerResponses.ofPayment(201, "{\"id\":\"pay_1\",\"status\":\"PAID\"}"));
    }

    @Test
    void successWithoutAnIdIsAmbiguousNotPaid() {
        var a = assertInstanceOf(Attempt.Retryable.class, BillerResponses.ofPayment(201, "{\"status\":\"PAID\"}"));
        assertTrue(a.mayHaveCharged());
        assertInstanceOf(Attempt.Retryable.class, BillerResponses.ofPayment(200, "not json"));
    }

    @Test
    void unprocessableWithDeclinedIsADefiniteDecline() {
        assertEquals(
                new Attempt.Definite(new BillerOutcome.Declined("unknown customer")),
                BillerResponses.ofPayment(422, "{\"status\":\"DECLINED\",\"reason\":\"unknown customer\"}"));
    }

    @Test
    void unprocessableProblemIsRejectedNotDeclined() {
        // Key reuse with another body: a bug, never a reason to refund.
        assertInstanceOf(
                Attempt.Rejected.class,
                BillerResponses.ofPayment(422, "{\"type\":\"about:blank\",\"status\":422,\"title\":\"x\"}"));
        assertInstanceOf(Attempt.Rejected.class, BillerResponses.ofPayment(400, "{}"));
    }

    @Test
    void unauthorizedForbiddenAndNoRouteAreConfigurationFaultsNotRejectionsOrDeclines() {
        for (int status : new int[] {401, 403, 404}) {
            var a = assertInstanceOf(
                    Attempt.ConfigurationFault.class,
                    BillerResponses.ofPayment(status, "{\"status\":\"DECLINED\",\"reason\":\"x\"}"));
            assertEquals(status, a.status());
            assertTrue(a.cause().contains(Integer.toString(status)), a.cause());
        }
    }

    @Test
    void statusQueryAnswering401Or403IsAConfigurationFaultBut404StillMeansNeverCharged() {
        assertEquals(
                401,
                assertInstanceOf(BillerOutcome.ConfigurationFault.class, BillerResponses.ofStatus(401, "", "timeout"))
                        .status());
        assertEquals(
                403,
                assertInstanceOf(BillerOutcome.ConfigurationFault.class, BillerResponses.ofStatus(403, "", "timeout"))
                        .status());
        assertInstanceOf(BillerOutcome.Unknown.class, BillerResponses.ofStatus(404, "", "timeout"));
        assertInstanceOf(BillerOutcome.NotCharged.class, BillerResponses.ofStatusQuery(404, "", "timeout"));
        assertInstanceOf(BillerOutcome.Unknown.class, BillerResponses.ofStatusQuery(503, "", "timeout"));
    }

    @Test
    void serverErrorsAreRetryableAndMayHaveCharged() {
        for (int status : new int[] {500, 502, 503, 504}) {
            var a = assertInstanceOf(Attempt.Retryable.class, BillerResponses.ofPayment(status, ""));
            assertTrue(a.mayHaveCharged());
            assertTrue(a.billerDown());
        }
    }

    @Test
    void tooManyRequestsIsRetryableAndDidNotCharge() {
        var a = assertInstanceOf(Attempt.Retryable.class, BillerResponses.ofPayment(429, ""));
        assertFalse(a.mayHaveCharged());
        assertTrue(a.billerDown());
    }

    @Test
    void timeoutsMayHaveChargedButConnectFailuresDidNot() {
        var timeout = assertInstanceOf(
                Attempt.Retryable.class, BillerResponses.ofException(new HttpTimeoutException("request timed out")));
        assertTrue(timeout.mayHaveCharged());
        var reset = assertInstanceOf(Attempt.Retryable.class, BillerResponses.ofException(new IOException("reset")));
        assertTrue(reset.mayHaveCharged());
        var refused =
                assertInstanceOf(Attempt.Retryable.class, BillerResponses.ofException(new ConnectException("refused")));
        assertFalse(refused.mayHaveCharged());
        var connectTimeout = assertInstanceOf(
                Attempt.Retryable.class, BillerResponses.ofException(new HttpConnectTimeoutException("slow")));
        assertFalse(connectTimeout.mayHaveCharged());
    }

    @Test
    void statusQuerySettlesOrReportsNoCharge() {
        assertEquals(
                new BillerOutcome.Paid("pay_9"),
                BillerResponses.ofStatus(200, "{\"id\":\"pay_9\",\"status\":\"PAID\"}", "timeout"));
        assertEquals(
                new BillerOutcome.Declined("no such customer"),
                BillerResponses.ofStatus(200, "{\"status\":\"DECLINED\",\"reason\":\"no such customer\"}", "timeout"));
        var notCharged = assertInstanceOf(BillerOutcome.Unknown.class, BillerResponses.ofStatus(404, "", "timeout"));
        assertTrue(notCharged.cause().contains("not charged"), notCharged.cause());
        var broken = assertInstanceOf(BillerOutcome.Unknown.class, BillerResponses.ofStatus(503, "", "timeout"));
        assertTrue(broken.cause().startsWith("timeout"), broken.cause());
    }
}
