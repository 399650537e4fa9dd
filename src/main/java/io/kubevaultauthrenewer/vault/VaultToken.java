package io.kubevaultauthrenewer.vault;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The token the HTTP client sends. It is kept here, outside Camel's messages, so that no log, trace, JMX attribute
 * or error of Camel's can ever carry it.
 */
public final class VaultToken {

    private final AtomicReference<String> value = new AtomicReference<>();

    public void set(String token) {
        value.set(token);
    }

    /** The token, or null before the first cycle. */
    public String get() {
        return value.get();
    }

    @Override
    public String toString() {
        return "VaultToken[****]";
    }
}
