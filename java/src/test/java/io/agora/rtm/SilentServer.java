package io.agora.rtm;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A loopback server that accepts connections and never answers (SPEC S5). */
final class SilentServer implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> held = new ArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread thread;

    SilentServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        thread = new Thread(() -> {
            try {
                while (true) {
                    Socket s = server.accept();
                    synchronized (held) {
                        held.add(s);
                    }
                    accepted.incrementAndGet();
                }
            } catch (IOException closed) {
                // close() ends the loop
            }
        }, "silent-server");
        thread.setDaemon(true);
        thread.start();
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    String params(String... extra) {
        StringBuilder b = new StringBuilder("{\"rtm.server\":\"").append(address()).append('"');
        for (String e : extra) {
            b.append(',').append(e);
        }
        return b.append('}').toString();
    }

    int accepted() {
        return accepted.get();
    }

    @Override
    public void close() throws Exception {
        server.close();
        thread.join(2000);
        synchronized (held) {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
