package io.walletoutbox.app.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
    private final TrustedProxies proxies = TrustedProxies.parse("10.0.0.0/8,192.168.1.7,fd00::/8");

    @Test
    void forwardedForIsIgnoredFromAPeerThatIsNotATrustedProxy() {
        assertEquals("203.0.113.9", proxies.clientAddress("203.0.113.9", "198.51.100.1"));
        assertEquals("192.168.1.8", proxies.clientAddress("192.168.1.8", "198.51.100.1"));
        assertEquals("10.1.1.1", TrustedProxies.NONE.clientAddress("10.1.1.1", "198.51.100.1"));
    }

    @Test
    void theClientIsTheRightmostAddressThatIsNotATrustedProxy() {
        assertEquals("198.51.100.1", proxies.clientAddress("10.1.1.1", "198.51.100.1"));
        // the client wrote the leftmost entry itself: not believed
        assertEquals("198.51.100.1", proxies.clientAddress("10.1.1.1", "6.6.6.6, 198.51.100.1, 10.2.2.2"));
        assertEquals("2001:db8:0:0:0:0:0:1", proxies.clientAddress("fd00::5", "2001:db8::1"));
        assertEquals("198.51.100.1", proxies.clientAddress("192.168.1.7", "[198.51.100.1]"));
    }

    @Test
    void withoutAHeaderOrWithGarbageThePeerOrTheLastBelievedHopIsTheClient() {
        assertEquals("10.1.1.1", proxies.clientAddress("10.1.1.1", null));
        assertEquals("10.1.1.1", proxies.clientAddress("10.1.1.1", "not-an-address"));
        assertEquals("10.2.2.2", proxies.clientAddress("10.1.1.1", "evil.example, 10.2.2.2"));
        // every hop a trusted proxy: the farthest one is as close to the client as we know
        assertEquals("10.3.3.3", proxies.clientAddress("10.1.1.1", "10.3.3.3, 10.2.2.2"));
    }

    @Test
    void rangesAreMatchedBitByBitWithoutNameLookups() {
        TrustedProxies narrow = TrustedProxies.parse("172.16.0.0/12");
        assertTrue(narrow.trusted("172.31.255.255"));
        assertFalse(narrow.trusted("172.32.0.0"));
        assertFalse(narrow.trusted("localhost"));
        assertTrue(TrustedProxies.parse("0.0.0.0/0").trusted("8.8.8.8"));
        assertFalse(TrustedProxies.parse("0.0.0.0/0").trusted("::1"));
        assertFalse(TrustedProxies.parse("").trusted("10.0.0.1"));
    }

    @Test
    void badRangesAreRefused() {
        for (String bad : new String[] {"10.0.0.0/33", "10.0.0.0/x", "proxy.example", "::/129", "10.0.0.0/-1"}) {
            assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(bad), bad);
        }
    }
}
