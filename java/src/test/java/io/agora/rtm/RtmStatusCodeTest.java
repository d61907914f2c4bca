package io.agora.rtm;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

/**
 * Every constant of RtmStatusCode against the C library's X-macro lists
 * (rtm_codes.h), both ways: same families, values and vendor names.
 */
public class RtmStatusCodeTest {
    /** The Java interface of each C family, in the order of RTM_FAMILY_MAP. */
    static final Class<?>[] FAMILIES = {
        RtmStatusCode.ConnectionState.class,
        RtmStatusCode.ConnectionChangeReason.class,
        RtmStatusCode.LoginError.class,
        RtmStatusCode.LogoutError.class,
        RtmStatusCode.RenewTokenError.class,
        RtmStatusCode.PeerMessageError.class,
        RtmStatusCode.ChannelMessageError.class,
        RtmStatusCode.JoinChannelError.class,
        RtmStatusCode.LeaveChannelError.class,
        RtmStatusCode.GetMembersError.class,
        RtmStatusCode.QueryPeersOnlineStatusError.class,
        RtmStatusCode.PeerSubscriptionStatusError.class,
        RtmStatusCode.QueryPeersBySubscriptionOptionError.class,
        RtmStatusCode.AttributeOperationError.class,
        RtmStatusCode.GetChannelMemberCountErrCode.class,
        RtmStatusCode.SetRtmServiceContextError.class,
        RtmStatusCode.InvitationApiCallError.class,
        RtmStatusCode.LocalInvitationState.class,
        RtmStatusCode.LocalInvitationError.class,
        RtmStatusCode.RemoteInvitationState.class,
        RtmStatusCode.RemoteInvitationError.class,
        RtmStatusCode.UploadMediaError.class,
        RtmStatusCode.DownloadMediaError.class,
        RtmStatusCode.CancelMediaError.class,
    };

    static Map<String, Integer> javaConstants(Class<?> c) throws IllegalAccessException {
        Map<String, Integer> m = new HashMap<>();
        for (Field f : c.getDeclaredFields()) {
            assertTrue(f + " is public static final int", Modifier.isStatic(f.getModifiers())
                    && Modifier.isFinal(f.getModifiers()) && Modifier.isPublic(f.getModifiers())
                    && f.getType() == int.class);
            m.put(f.getName(), f.getInt(null));
        }
        return m;
    }

    @Test
    public void everyJavaConstantMatchesTheCListsAndBack() throws Exception {
        RtmNative.init();
        assertEquals(FAMILIES.length, RtmStatusCode.class.getDeclaredClasses().length);
        int[] table = RtmNative.codeTable();
        Map<Integer, Map<String, Integer>> fromC = new HashMap<>();
        for (int i = 0; i < table.length; i += 2) {
            int fam = table[i];
            int value = table[i + 1];
            String name = RtmNative.codeName(fam, value);
            assertTrue("family " + fam, fam >= 0 && fam < FAMILIES.length);
            fromC.computeIfAbsent(fam, k -> new HashMap<>()).put(name, value);
        }
        int total = 0;
        for (int fam = 0; fam < FAMILIES.length; fam++) {
            Map<String, Integer> java = javaConstants(FAMILIES[fam]);
            assertEquals(FAMILIES[fam].getSimpleName(), fromC.get(fam), java);
            for (Map.Entry<String, Integer> e : java.entrySet()) {
                assertEquals(e.getKey(), RtmNative.codeName(fam, e.getValue()));
            }
            total += java.size();
        }
        assertEquals(table.length / 2, total);
        assertEquals("UNKNOWN", RtmNative.codeName(RtmNative.FAMILY_LOGIN_ERR, 4242));
    }

    @Test
    public void familyIndicesOfTheShimMatch() throws Exception {
        String[] prefixes = {"CONNECTION_STATE_", "CONNECTION_CHANGE_REASON_", "LOGIN_ERR_", "LOGOUT_ERR_",
            "RENEW_TOKEN_ERR_", "PEER_MESSAGE_ERR_", "CHANNEL_MESSAGE_ERR_", "JOIN_CHANNEL_ERR_",
            "LEAVE_CHANNEL_ERR_", "GET_MEMBERS_ERR_", "QUERY_PEERS_ONLINE_STATUS_ERR_",
            "PEER_SUBSCRIPTION_STATUS_ERR_", "QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_", "ATTRIBUTE_OPERATION_ERR_",
            "GET_CHANNEL_MEMBER_COUNT_ERR_", "SET_RTM_SERVICE_CONTEXT_ERR_", "INVITATION_API_CALL_ERR_",
            "LOCAL_INVITATION_STATE_", "LOCAL_INVITATION_ERR_", "REMOTE_INVITATION_STATE_", "REMOTE_INVITATION_ERR_",
            "UPLOAD_MEDIA_ERR_", "DOWNLOAD_MEDIA_ERR_", "CANCEL_MEDIA_ERR_"};
        Set<Integer> seen = new HashSet<>();
        for (Field f : RtmNative.class.getDeclaredFields()) {
            if (f.getName().startsWith("FAMILY_")) {
                int fam = f.getInt(null);
                assertTrue(seen.add(fam));
                assertEquals(f.getName(), "FAMILY_" + prefixes[fam], f.getName() + "_");
            }
        }
        assertEquals(prefixes.length, seen.size());
        assertEquals("JOIN_CHANNEL_TIMEOUT", RtmNative.codeName(RtmNative.FAMILY_JOIN_CHANNEL_ERR, 4));
        assertEquals("LOGIN_ERR_TIMEOUT", new ErrorInfo(9, RtmNative.codeName(RtmNative.FAMILY_LOGIN_ERR, 9))
                .getErrorDescription());
    }
}
