package io.agora.rtm;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.After;

/** Clients that are released after each test, and the operations as codes. */
abstract class RtmTestBase {
    static final String APP_ID = "java-test-app";
    private final List<RtmClient> clients = new ArrayList<>();

    RtmClient client(RtmClientListener listener, String params) throws Exception {
        return client(APP_ID, listener, params);
    }

    RtmClient client(String appId, RtmClientListener listener, String params) throws Exception {
        RtmClient c = RtmClient.createInstance(appId, listener);
        synchronized (clients) {
            clients.add(c);
        }
        if (params != null) {
            assertEquals("setParameters " + params, 0, c.setParameters(params));
        }
        return c;
    }

    @After
    public void releaseClients() {
        synchronized (clients) {
            for (RtmClient c : clients) {
                c.release();
            }
            clients.clear();
        }
    }

    static int login(RtmClient c, String user) {
        Result<Void> r = new Result<>();
        c.login(null, user, r);
        return r.code();
    }

    static int logout(RtmClient c) {
        Result<Void> r = new Result<>();
        c.logout(r);
        return r.code();
    }

    static int send(RtmClient c, String peer, String text) {
        Result<Void> r = new Result<>();
        c.sendMessageToPeer(peer, c.createMessage(text), new SendMessageOptions(), r);
        return r.code();
    }

    static int join(RtmChannel ch) {
        Result<Void> r = new Result<>();
        ch.join(r);
        return r.code();
    }

    static int leave(RtmChannel ch) {
        Result<Void> r = new Result<>();
        ch.leave(r);
        return r.code();
    }

    static int send(RtmClient c, RtmChannel ch, String text) {
        Result<Void> r = new Result<>();
        ch.sendMessage(c.createMessage(text), new SendMessageOptions(), r);
        return r.code();
    }

    /** The user ids of getMembers, or the error code as "error N". */
    static List<String> members(RtmChannel ch) {
        Result<List<RtmChannelMember>> r = new Result<>();
        ch.getMembers(r);
        List<String> ids = new ArrayList<>();
        if (r.code() != 0) {
            ids.add("error " + r.code());
            return ids;
        }
        for (RtmChannelMember m : r.value()) {
            assertEquals(ch.getId(), m.getChannelId());
            ids.add(m.getUserId());
        }
        return ids;
    }
}
