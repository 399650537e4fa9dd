package io.kubevaultauthrenewer.renewal;

/**
 * A text from Vault made safe for one line of the text log: control characters (a line break, a carriage return, a
 * terminal escape) are written as {@code \n}, {@code \r}, {@code \t} or {@code \u001b}, so that no answer can print a
 * line of its own.
 */
final class LogText {

    private LogText() {}

    static String of(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder safe = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> safe.append("\\n");
                case '\r' -> safe.append("\\r");
                case '\t' -> safe.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
                        safe.append(String.format("\\u%04x", c));
                    } else {
                        safe.appendCodePoint(c);
                    }
                }
            }
        });
        return safe.toString();
    }
}
