package io.walletoutbox.relay.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

class BatchSenderTest {
    @Test
    void onlyRejectionsOfTheRecordItselfCountTowardsParking() {
        assertTrue(BatchSender.isPermanent(new RecordTooLargeException("too large")));
        assertTrue(BatchSender.isPermanent(new TopicAuthorizationException("denied")));
        assertFalse(BatchSender.isPermanent(new TimeoutException("broker away")));
        assertFalse(BatchSender.isPermanent(new NotLeaderOrFollowerException("moving")));
        assertFalse(BatchSender.isPermanent(new OutOfOrderSequenceException("producer state")));
        assertFalse(BatchSender.isPermanent(new KafkaException("Producer is closed forcefully")));
    }
}
