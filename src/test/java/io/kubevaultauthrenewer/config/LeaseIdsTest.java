package io.kubevaultauthrenewer.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LeaseIdsTest {

    @Test
    void namesTheFirstControlCharacterByItsCodeAndPositionNeverQuotingTheId() {
        assertThat(LeaseIds.problem("database/creds/app/a1")).isEmpty();
        assertThat(LeaseIds.problem("a\nb")).hasValue("holds the control character U+000A at position 2");
        assertThat(LeaseIds.problem("x\u001b[2K")).hasValue("holds the control character U+001B at position 2");
        assertThat(LeaseIds.problem("x\rsecret")).get().asString().doesNotContain("secret");
        assertThat(LeaseIds.problem("x\u2028y")).hasValue("holds the control character U+2028 at position 2");
    }

    @Test
    void refusesAnEntryWithALineBreakAndKeepsTheOthers() {
        assertThat(LeaseIds.split(
                        "database/creds/app/a1,database/creds/app/x\n2026-12-01T11:28:43.502Z INFO forged,c/3",
                        "LEASE_IDS from the environment"))
                .containsExactly("database/creds/app/a1", "c/3");
        assertThat(LeaseIds.split(" a/1 ,\tb/2\n", "LEASE_IDS"))
                .as("blanks around an id are not part of it")
                .containsExactly("a/1", "b/2");
    }
}
