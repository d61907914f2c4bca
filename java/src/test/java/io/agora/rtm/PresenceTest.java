package io.agora.rtm;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.agora.rtm.RtmStatusCode.PeerSubscriptionStatusError;
import io.agora.rtm.RtmStatusCode.QueryPeersOnlineStatusError;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

/** SPEC A8 through the Java API: queries, subscriptions and onPeersOnlineStatusChanged. */
public class PresenceTest extends RtmTestBase {

    static Set<String> set(String... ids) {
        return new HashSet<>(Arrays.asList(ids));
    }

    @Test
    public void a8_subscriptionReportsStatesAndChanges() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            Recorder ra = new Recorder();
            RtmClient a = client(ra, rtmd.params());
            assertEquals(0, login(a, "alice"));
            Result<Void> sub = new Result<>();
            a.subscribePeersOnlineStatus(set("bob"), sub);
            assertEquals(0, sub.code());
            assertTrue(ra.await("presence bob=" + PeerOnlineState.OFFLINE));

            RtmClient b = client(new Recorder(), rtmd.params());
            assertEquals(0, login(b, "bob"));
            assertTrue(ra.await("presence bob=" + PeerOnlineState.ONLINE));

            Result<Map<String, Boolean>> q = new Result<>();
            a.queryPeersOnlineStatus(set("bob", "carol"), q);
            assertEquals(0, q.code());
            assertEquals(Boolean.TRUE, q.value().get("bob"));
            assertEquals(Boolean.FALSE, q.value().get("carol"));

            Result<Set<String>> subs = new Result<>();
            a.queryPeersBySubscriptionOption(PeerSubscriptionOption.ONLINE, subs);
            assertEquals(0, subs.code());
            assertEquals(set("bob"), subs.value());

            assertEquals(0, logout(b));
            assertTrue(ra.await("presence bob=" + PeerOnlineState.OFFLINE, 2));

            Result<Void> unsub = new Result<>();
            a.unsubscribePeersOnlineStatus(set("bob"), unsub);
            assertEquals(0, unsub.code());
            assertEquals(0, login(b, "bob"));
            Result<Map<String, Boolean>> again = new Result<>();
            a.queryPeersOnlineStatus(set("bob"), again); // a round trip: any event came before
            assertEquals(Boolean.TRUE, again.value().get("bob"));
            assertEquals(2, ra.count("presence bob=" + PeerOnlineState.OFFLINE));
            assertEquals(1, ra.count("presence bob=" + PeerOnlineState.ONLINE));
        }
    }

    @Test
    public void a8_badArgumentsHaveTheirCodes() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            RtmClient a = client(new Recorder(), rtmd.params());
            assertEquals(0, login(a, "alice"));
            Result<Map<String, Boolean>> empty = new Result<>();
            a.queryPeersOnlineStatus(Collections.<String>emptySet(), empty);
            assertEquals(QueryPeersOnlineStatusError.QUERY_PEERS_ONLINE_STATUS_ERR_INVALID_ARGUMENT, empty.code());
            Result<Map<String, Boolean>> nul = new Result<>();
            a.queryPeersOnlineStatus(null, nul);
            assertEquals(QueryPeersOnlineStatusError.QUERY_PEERS_ONLINE_STATUS_ERR_INVALID_ARGUMENT, nul.code());
            Set<String> many = new HashSet<>();
            for (int i = 0; i < 513; i++) {
                many.add("u" + i);
            }
            Result<Void> over = new Result<>();
            a.subscribePeersOnlineStatus(many, over);
            assertEquals(PeerSubscriptionStatusError.PEER_SUBSCRIPTION_STATUS_ERR_OVERFLOW, over.code());
            Result<Void> bad = new Result<>();
            a.subscribePeersOnlineStatus(set("bad/id"), bad);
            assertEquals(PeerSubscriptionStatusError.PEER_SUBSCRIPTION_STATUS_ERR_INVALID_ARGUMENT, bad.code());
        }
    }
}
