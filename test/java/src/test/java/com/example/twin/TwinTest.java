package com.example.twin;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The Java package (what jsii-pacmak built) synthesizes what the TypeScript package does: the Aspect's findings and
 * changes equal the TypeScript twin's (TWIN_DIR), and test/languages/languages.test.ts compares every template written
 * to JAVA_OUT with the twin's.
 */
public class TwinTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path twinDir;
    private static Path outdir;
    private static TwinApp.Synthesized synthesized;

    @BeforeClass
    public static void synthesize() throws Exception {
        String twin = System.getenv("TWIN_DIR");
        assertNotNull("TWIN_DIR is not set: run this test through npm test (test/languages/languages.test.ts)", twin);
        twinDir = Path.of(twin);
        // the driver compares the templates written here with the twin's (JAVA_OUT)
        String out = System.getenv("JAVA_OUT");
        outdir = out != null ? Path.of(out) : Files.createTempDirectory("java-twin");
        synthesized = TwinApp.synthesize(outdir.toString());
    }

    private static JsonNode read(Path path) throws Exception {
        return JSON.readTree(path.toFile());
    }

    @Test
    public void everyStackIsWritten() throws Exception {
        for (String stack : List.of("Edge", "LegacyReport", "LegacyFix")) {
            assertTrue(stack, read(outdir.resolve(stack + ".template.json")).has("Resources"));
        }
    }

    @Test
    public void theAspectReportsAndFixesWhatItDoesInTypeScript() throws Exception {
        JsonNode twin = read(twinDir.resolve("outcome.json"));
        List<String> edge = synthesized.edge.getFindings().stream()
            .map(f -> f.getControlId() + " " + f.getPath() + " acknowledged=" + f.getAcknowledged()).sorted().collect(Collectors.toList());
        List<String> report = synthesized.report.getFindings().stream()
            .map(f -> f.getControlId() + " " + f.getPath() + " acknowledged=" + f.getAcknowledged()).sorted().collect(Collectors.toList());
        List<String> fix = synthesized.fix.getChanges().stream()
            .map(c -> c.getControlId() + " " + c.getPath() + ": " + c.getChange()).sorted().collect(Collectors.toList());
        assertEquals(strings(twin.get("edgeFindings")), edge);
        assertEquals(strings(twin.get("reportFindings")), report);
        assertEquals(strings(twin.get("fixChanges")), fix);
        assertEquals(4, report.size());
        assertFalse(fix.isEmpty());
        assertTrue(new File(outdir.toFile(), "manifest.json").exists());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
