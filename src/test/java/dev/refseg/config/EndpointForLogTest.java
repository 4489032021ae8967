package dev.refseg.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The LLM endpoint as the start-up log shows it: a key in its user info or query stays out. */
class EndpointForLogTest {
    @Test
    void userInfoAndQueryAreLeftOut() {
        assertEquals("https://api.example.com/v1", RefsegBeans.endpointForLog("https://api.example.com/v1"));
        assertEquals("http://localhost:8000/v1", RefsegBeans.endpointForLog("http://user:sk-secret@localhost:8000/v1"));
        assertEquals("https://llm.example.com/openai/v1",
                RefsegBeans.endpointForLog("https://llm.example.com/openai/v1?api-key=sk-secret#x"));
        assertEquals("(an endpoint URL without a host)", RefsegBeans.endpointForLog("sk-secret"));
        assertEquals("(an endpoint URL that does not parse)", RefsegBeans.endpointForLog("http://sk secret@host/v1"));
    }
}
