package io.agora.rtm;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;

/**
 * Loads libagora-rtm-sdk-jni.so: first System.loadLibrary, as vendor apps
 * expect (-Djava.library.path), then the copy bundled in this JAR, extracted
 * to a temporary file. A failure names every place tried and why.
 */
final class NativeLibraryLoader {
    static final String LIBRARY = "agora-rtm-sdk-jni";
    static final String RESOURCE = "/native/linux-x86_64/lib" + LIBRARY + ".so";

    private NativeLibraryLoader() {
    }

    /** How the library was loaded, for diagnostics: "java.library.path" or "jar:" + the resource. */
    static volatile String loadedFrom;

    static synchronized void load() {
        if (loadedFrom != null) {
            return;
        }
        StringBuilder tried = new StringBuilder();
        try {
            System.loadLibrary(LIBRARY);
            loadedFrom = "java.library.path";
            return;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            tried.append("\n  System.loadLibrary(\"").append(LIBRARY).append("\") with java.library.path=")
                    .append(System.getProperty("java.library.path")).append(": ").append(e);
        }
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.toLowerCase().startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            tried.append("\n  the JAR bundles ").append(RESOURCE).append(" only, and this is ").append(os)
                    .append('/').append(arch);
            throw new UnsatisfiedLinkError("cannot load the RTM native library; tried:" + tried);
        }
        File tmp = null;
        try (InputStream in = NativeLibraryLoader.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                tried.append("\n  resource ").append(RESOURCE).append(" in the JAR: not found");
                throw new UnsatisfiedLinkError("cannot load the RTM native library; tried:" + tried);
            }
            tmp = File.createTempFile("lib" + LIBRARY + "-", ".so");
            tmp.deleteOnExit();
            try (OutputStream out = Files.newOutputStream(tmp.toPath())) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) > 0;) {
                    out.write(buf, 0, n);
                }
            }
            System.load(tmp.getAbsolutePath());
            loadedFrom = "jar:" + RESOURCE;
        } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
            if (e instanceof UnsatisfiedLinkError && e.getMessage() != null
                    && e.getMessage().startsWith("cannot load the RTM native library")) {
                throw (UnsatisfiedLinkError) e;
            }
            tried.append("\n  resource ").append(RESOURCE).append(" extracted to ")
                    .append(tmp != null ? tmp.getAbsolutePath() : "a temporary file").append(": ").append(e);
            UnsatisfiedLinkError err = new UnsatisfiedLinkError(
                    "cannot load the RTM native library; tried:" + tried);
            err.initCause(e);
            throw err;
        } finally {
            // Once loaded, the mapping stays valid: the file itself is not needed.
            if (tmp != null) {
                tmp.delete();
            }
        }
    }
}
