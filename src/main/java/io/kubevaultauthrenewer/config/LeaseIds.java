package io.kubevaultauthrenewer.config;

import io.kubevaultauthrenewer.logging.OneLine;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one check of a lease id wherever it is read (LEASE_IDS from the environment or the variables file, a lease_id
 * Vault answers the init mode): an id holding a control character (a line break, a carriage return, a terminal
 * escape) is refused, as it could forge a log line or a line of the variables file.
 */
public final class LeaseIds {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseIds.class);

    private LeaseIds() {}

    /**
     * What is wrong with an id, never quoting it: "holds the control character U+000A at position 12", or empty.
     */
    public static Optional<String> problem(String id) {
        int at = OneLine.firstControl(id);
        return at < 0
                ? Optional.empty()
                : Optional.of(String.format(
                        "holds the control character U+%04X at position %d", (int) id.charAt(at), at + 1));
    }

    /**
     * Splits a LEASE_IDS value: blanks around ids and empty items are ignored, a duplicate counts once. An entry with
     * a control character is left out with an ERROR naming its position and the character's code (never its value);
     * the others are kept.
     *
     * @param source where the value comes from, for the ERROR ("LEASE_IDS from /env/variables")
     */
    public static List<String> split(String raw, String source) {
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        if (raw != null) {
            String[] items = raw.split(",", -1);
            for (int i = 0; i < items.length; i++) {
                String id = items[i].strip();
                Optional<String> problem = problem(id);
                if (problem.isPresent()) {
                    LOG.error(
                            "{}: entry #{} {}: refused, not renewed (the other leases are)",
                            source,
                            i + 1,
                            problem.get());
                } else if (!id.isEmpty()) {
                    ids.add(id);
                }
            }
        }
        return List.copyOf(ids);
    }
}
