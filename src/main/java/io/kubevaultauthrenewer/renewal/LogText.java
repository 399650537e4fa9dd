package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.logging.OneLine;

/**
 * A text from Vault made safe for one line of the log, whatever the layout: {@link OneLine}'s escaping, applied
 * where the text is put in a message (the JSON layout keeps the message as it is given).
 */
final class LogText {

    private LogText() {}

    static String of(String text) {
        return OneLine.escape(text);
    }
}
