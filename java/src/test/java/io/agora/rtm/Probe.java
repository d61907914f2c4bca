package io.agora.rtm;

/**
 * Run in a JVM of its own by LoaderTest: creates a client (optionally with
 * setParameters args[1]), logs in as args[0] and prints "login CODE" and
 * where the native library came from.
 */
public final class Probe {
    public static void main(String[] args) throws Exception {
        RtmClient c = RtmClient.createInstance("java-test-app", new RtmClientListener() {
            @Override
            public void onConnectionStateChanged(int state, int reason) {
            }

            @Override
            public void onMessageReceived(RtmMessage message, String peerId) {
            }
        });
        System.out.println("loaded from " + NativeLibraryLoader.loadedFrom);
        if (args.length > 1) {
            System.out.println("setParameters " + c.setParameters(args[1]));
        }
        Result<Void> r = new Result<>();
        c.login(null, args[0], r);
        System.out.println("login " + r.code());
        c.release();
    }
}
