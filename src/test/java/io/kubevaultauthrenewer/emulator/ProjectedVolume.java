package io.kubevaultauthrenewer.emulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A directory written as the kubelet writes a projected (or ConfigMap, Secret) volume: the AtomicWriter of
 * {@code pkg/volume/util/atomic_writer.go} ({@code Write}), reimplemented. The files live in a hidden directory
 * {@code ..<UTC timestamp>.<random>}; {@code ..data} is a symlink to it, swapped by creating {@code ..data_tmp} and
 * renaming it over {@code ..data}; each visible name ({@code token}, {@code ca.crt}, {@code namespace}) is a symlink
 * to {@code ..data/<name>} that never changes; the previous hidden directory is removed last.
 *
 * <p>So a reader that opens {@code token} at each read always gets one whole token, the newest; one that keeps a file
 * open reads the old token; one that cached the resolved path ({@code ..<old timestamp>/token}) finds nothing there
 * once the next update has removed the old directory.
 */
final class ProjectedVolume {

    static final String DATA = "..data";
    static final String DATA_TMP = "..data_tmp";

    /** atomic_writer.go {@code newTimestampDir}: os.MkdirTemp with this prefix adds a random number. */
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("'..'yyyy_MM_dd_HH_mm_ss'.'").withZone(ZoneOffset.UTC);

    private final Path dir;
    private final Clock clock;

    ProjectedVolume(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    Path dir() {
        return dir;
    }

    /** One update: the whole payload, top-level names only (as a service account's volume has). */
    void write(Map<String, byte[]> payload) {
        try {
            Files.createDirectories(dir);
            // (2) the current timestamped directory, read through ..data
            Path data = dir.resolve(DATA);
            Path oldTimestamped = Files.isSymbolicLink(data) ? Files.readSymbolicLink(data) : null;
            Set<String> toRemove = new LinkedHashSet<>();
            if (oldTimestamped != null) {
                // (3) names no longer in the payload; (4) nothing to write when every file is the same
                try (Stream<Path> old = Files.list(dir.resolve(oldTimestamped))) {
                    old.map(p -> p.getFileName().toString())
                            .filter(n -> !payload.containsKey(n))
                            .forEach(toRemove::add);
                }
                if (toRemove.isEmpty() && unchanged(payload, dir.resolve(oldTimestamped))) {
                    createVisibleLinks(payload);
                    return;
                }
            }
            // (5) a new timestamped directory, 0755; (6) the payload written into it
            Path timestamped = Files.createTempDirectory(dir, TIMESTAMP.format(clock.instant()));
            setMode(timestamped, "rwxr-xr-x");
            for (Map.Entry<String, byte[]> file : payload.entrySet()) {
                Path written = Files.write(timestamped.resolve(file.getKey()), file.getValue());
                setMode(written, "rw-r--r--");
            }
            // (8) ..data_tmp -> the new directory; (9) renamed over ..data: the atomic switch
            Path tmp = dir.resolve(DATA_TMP);
            Files.createSymbolicLink(tmp, timestamped.getFileName());
            Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE);
            // (10) the visible links of new names; (11) the links of dropped names removed
            createVisibleLinks(payload);
            for (String name : toRemove) {
                Files.deleteIfExists(dir.resolve(name));
            }
            // (12) the previous timestamped directory removed
            if (oldTimestamped != null) {
                deleteRecursively(dir.resolve(oldTimestamped));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void createVisibleLinks(Map<String, byte[]> payload) throws IOException {
        for (String name : payload.keySet()) {
            Path visible = dir.resolve(name);
            if (!Files.isSymbolicLink(visible)) {
                Files.createSymbolicLink(visible, Path.of(DATA, name));
            }
        }
    }

    private static boolean unchanged(Map<String, byte[]> payload, Path timestamped) throws IOException {
        for (Map.Entry<String, byte[]> file : payload.entrySet()) {
            Path onDisk = timestamped.resolve(file.getKey());
            if (!Files.exists(onDisk) || !Arrays.equals(Files.readAllBytes(onDisk), file.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static void setMode(Path path, String mode) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the mode does not matter to the tests
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
