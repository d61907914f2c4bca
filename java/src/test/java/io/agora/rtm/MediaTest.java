package io.agora.rtm;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.agora.rtm.RtmStatusCode.CancelMediaError;
import io.agora.rtm.RtmStatusCode.DownloadMediaError;
import io.agora.rtm.RtmStatusCode.PeerMessageError;
import io.agora.rtm.RtmStatusCode.UploadMediaError;
import java.io.File;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * File and image messages through the Java API (SPEC M1-M5), against a real
 * rtmd: what an application written for the vendor's 1.3 to 1.5.0 does.
 */
public class MediaTest extends RtmTestBase {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    File write(String name, byte[] data) throws Exception {
        File f = tmp.newFile(name);
        Files.write(f.toPath(), data);
        return f;
    }

    /** The progress of requestId never goes back and ends at total. */
    static void assertProgress(List<String> all, String kind, long requestId, long total) {
        long last = -1;
        String prefix = kind + " " + requestId + " ";
        for (String p : all) {
            if (!p.startsWith(prefix)) {
                continue;
            }
            String[] cur = p.substring(prefix.length()).split("/");
            long c = Long.parseLong(cur[0]);
            assertEquals(p, total, Long.parseLong(cur[1]));
            assertTrue(p + " went back", c >= last);
            last = c;
        }
        assertEquals("the last progress of " + prefix, total, last);
    }

    // M1, M2, M3: an upload gives a file message with its id, size and name;
    // sent to a peer it arrives as a file message; the peer downloads it to
    // memory and to a file, byte for byte; progress both ways ends at the total.
    @Test
    public void m1_m2_m3_aFileTravelsAndComesBackByteForByte() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            Recorder ra = new Recorder();
            Recorder rb = new Recorder();
            RtmClient a = client(ra, rtmd.params());
            RtmClient b = client(rb, rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            byte[] data = random(3 * 1024 * 1024 + 5, 1);
            File f = write("report.pdf", data);
            RtmRequestId up = new RtmRequestId();
            Result<RtmFileMessage> r = new Result<>();
            a.createFileMessageByUploading(f.getPath(), up, r);
            assertEquals(0, r.code());
            assertNotEquals("the request id is set", 0, up.getRequestId());
            RtmFileMessage m = r.value();
            assertEquals(RtmMessageType.FILE, m.getMessageType());
            assertEquals(data.length, m.getSize());
            assertEquals("report.pdf", m.getFileName());
            assertEquals(32, m.getMediaId().length());
            assertProgress(ra.progress(), "up", up.getRequestId(), data.length);

            m.setThumbnail(new byte[] {1, 2, 3});
            m.setFileName("Q3 report.pdf");
            m.setText("see page 2");
            Result<Void> sent = new Result<>();
            a.sendMessageToPeer("bob", m, new SendMessageOptions(), sent);
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_OK, sent.code());
            assertTrue(rb.events().toString(), rb.await("peer alice: file " + m.getMediaId() + " Q3 report.pdf " + data.length
                    + " thumb 3 'see page 2'"));
            RtmFileMessage got = (RtmFileMessage) rb.media.get(0);
            assertArrayEquals(new byte[] {1, 2, 3}, got.getThumbnail());
            assertTrue(got.getServerReceivedTs() > 0);

            RtmRequestId down = new RtmRequestId();
            Result<byte[]> mem = new Result<>();
            b.downloadMediaToMemory(got.getMediaId(), down, mem);
            assertEquals(0, mem.code());
            assertArrayEquals(data, mem.value());
            assertProgress(rb.progress(), "down", down.getRequestId(), data.length);

            File out = new File(tmp.getRoot(), "copy.pdf");
            Result<Void> file = new Result<>();
            b.downloadMediaToFile(got.getMediaId(), out.getPath(), new RtmRequestId(), file);
            assertEquals(0, file.code());
            assertNull(file.value());
            assertArrayEquals(data, Files.readAllBytes(out.toPath()));
        }
    }

    // M4, M3: an image upload reads its size from its header; the image
    // message reaches the channel's members with its sizes.
    @Test
    public void m3_m4_anImageMessageCarriesItsSizesToAChannel() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            Recorder ra = new Recorder();
            Recorder rb = new Recorder();
            RtmClient a = client(ra, rtmd.params());
            RtmClient b = client(rb, rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            RtmChannel ca = a.createChannel("room", ra);
            RtmChannel cb = b.createChannel("room", rb);
            assertEquals(0, join(ca));
            assertEquals(0, join(cb));
            // A PNG the JDK writes: 41 x 9.
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(41, 9,
                    java.awt.image.BufferedImage.TYPE_INT_RGB);
            File png = tmp.newFile("pic.png");
            assertTrue(javax.imageio.ImageIO.write(img, "png", png));
            Result<RtmImageMessage> r = new Result<>();
            a.createImageMessageByUploading(png.getPath(), null, r);
            assertEquals(0, r.code());
            RtmImageMessage m = r.value();
            assertEquals(RtmMessageType.IMAGE, m.getMessageType());
            assertEquals(41, m.getWidth());
            assertEquals(9, m.getHeight());
            m.setThumbnailWidth(4);
            m.setThumbnailHeight(1);
            Result<Void> sent = new Result<>();
            ca.sendMessage(m, sent);
            assertEquals(0, sent.code());
            assertTrue(rb.events().toString(), rb.await("channel room alice: image " + m.getMediaId() + " pic.png " + png.length()
                    + " 41x9 thumb 0 4x1 ''"));
            // By id: a message without an upload, its sizes as set.
            RtmImageMessage byId = a.createImageMessageByMediaId(m.getMediaId());
            byId.setWidth(7);
            byId.setHeight(8);
            Result<Void> again = new Result<>();
            a.sendMessageToPeer("bob", byId, new SendMessageOptions(), again);
            assertEquals(0, again.code());
            assertTrue(rb.events().toString(), rb.await("peer alice: image " + m.getMediaId() + "  0 7x8 thumb 0 0x0 ''"));
        }
    }

    // M1, M2, M5: the refusals reach the callbacks with their codes.
    @Test
    public void m1_m2_m5_refusalsHaveTheirCodes() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            RtmClient a = client(new Recorder(), rtmd.params());
            Result<RtmFileMessage> early = new Result<>();
            a.createFileMessageByUploading(write("x", new byte[] {1}).getPath(), null, early);
            assertEquals(UploadMediaError.UPLOAD_MEDIA_ERR_NOT_LOGGED_IN, early.code());
            assertEquals(0, login(a, "alice"));
            Result<RtmFileMessage> none = new Result<>();
            a.createFileMessageByUploading(new File(tmp.getRoot(), "none").getPath(), null, none);
            assertEquals(UploadMediaError.UPLOAD_MEDIA_ERR_INVALID_ARGUMENT, none.code());
            assertEquals("UPLOAD_MEDIA_ERR_INVALID_ARGUMENT", none.description());
            Result<RtmFileMessage> nul = new Result<>();
            a.createFileMessageByUploading(null, null, nul);
            assertEquals(UploadMediaError.UPLOAD_MEDIA_ERR_INVALID_ARGUMENT, nul.code());
            File big = tmp.newFile("big");
            try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(big, "rw")) {
                raf.setLength(30L * 1024 * 1024 + 1);
            }
            Result<RtmFileMessage> over = new Result<>();
            a.createFileMessageByUploading(big.getPath(), null, over);
            assertEquals(UploadMediaError.UPLOAD_MEDIA_ERR_SIZE_OVERFLOW, over.code());

            Result<byte[]> unknown = new Result<>();
            a.downloadMediaToMemory("0123456789abcdef0123456789abcdef", null, unknown);
            assertEquals(DownloadMediaError.DOWNLOAD_MEDIA_ERR_NOT_EXIST, unknown.code());
            Result<byte[]> bad = new Result<>();
            a.downloadMediaToMemory("not an id", null, bad);
            assertEquals(DownloadMediaError.DOWNLOAD_MEDIA_ERR_INVALID_ARGUMENT, bad.code());
            Result<Void> nullPath = new Result<>();
            a.downloadMediaToFile("0123456789abcdef0123456789abcdef", null, null, nullPath);
            assertEquals(DownloadMediaError.DOWNLOAD_MEDIA_ERR_INVALID_ARGUMENT, nullPath.code());

            Result<Void> cancel = new Result<>();
            a.cancelMediaUpload(new RtmRequestId(424242), cancel);
            assertEquals(CancelMediaError.CANCEL_MEDIA_ERR_NOT_EXIST, cancel.code());
            Result<Void> cancelNull = new Result<>();
            a.cancelMediaDownload(null, cancelNull);
            assertEquals(CancelMediaError.CANCEL_MEDIA_ERR_NOT_EXIST, cancelNull.code());

            // A media message without a valid id is INVALID_MESSAGE.
            Result<Void> sent = new Result<>();
            a.sendMessageToPeer("bob", a.createFileMessageByMediaId(""), new SendMessageOptions(), sent);
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_INVALID_MESSAGE, sent.code());
            try {
                a.createFileMessageByMediaId("x").setRawMessage(new byte[1]);
                throw new AssertionError("a file message took raw bytes");
            } catch (UnsupportedOperationException expected) {
                // as documented
            }
            a.release();
            Result<RtmFileMessage> released = new Result<>();
            a.createFileMessageByUploading(big.getPath(), null, released);
            assertEquals(UploadMediaError.UPLOAD_MEDIA_ERR_NOT_INITIALIZED, released.code());
        }
    }

    // M5: a cancel ends its upload with INTERRUPTED; the id is then NOT_EXIST.
    @Test
    public void m5_aCancelEndsItsUpload() throws Exception {
        try (Rtmd rtmd = new Rtmd(); FaultProxy proxy = new FaultProxy(rtmd.address())) {
            Recorder ra = new Recorder();
            RtmClient a = client(ra, proxy.params());
            assertEquals(0, login(a, "alice"));
            assertTrue(proxy.command("delay 50").startsWith("ok"));
            File f = write("big", random(8 * 1024 * 1024, 2));
            RtmRequestId id = new RtmRequestId();
            Result<RtmFileMessage> r = new Result<>();
            a.createFileMessageByUploading(f.getPath(), id, r);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (ra.progress().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertFalse("no progress", ra.progress().isEmpty());
            Result<Void> c = new Result<>();
            a.cancelMediaUpload(id, c);
            assertEquals(0, c.code());
            assertEquals(UploadMediaError.UPLOAD_MEDIA_ERR_INTERRUPTED, r.code());
            Result<Void> c2 = new Result<>();
            a.cancelMediaUpload(id, c2);
            assertEquals(CancelMediaError.CANCEL_MEDIA_ERR_NOT_EXIST, c2.code());
        }
    }
}
