// Rules checks PEPPOL documents for Avrop in one long-lived JVM: the UBL 2.1 schema (the JDK's
// validator) and official schematron compiled once with SchXslt on Saxon-HE, documents checked
// in parallel on a pool of threads. Go starts it (peppol/rules) and talks over stdin/stdout.
//
// Arguments: cacheDir pipeline-for-svrl.xsl threads, then per rule set three arguments: its
// name, its XSDs (comma-separated, empty for none; the document's root element picks the one
// named UBL-<root>-2.1.xsd) and its schematron files (comma-separated).
//
// The compiled schematron is kept in cacheDir under a name Go derives from the files' hash, so
// a restart compiles nothing. Protocol: the program prints "ready"; Go writes a request line
// "id set length" and the document's bytes; the program answers, for that id, one line
// "id<TAB>rule-id<TAB>text" per failed fatal assertion ("UBL-XSD" for a schema error, "XML" for
// a document Saxon cannot read) and then "id<TAB>.". Answers of different ids may interleave by
// whole answers, never by line.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import net.sf.saxon.s9api.*;

public class Rules {
    static final class RuleSet {
        final Map<String, Schema> schemas = new HashMap<>();
        final List<XsltExecutable> rules = new ArrayList<>();
    }

    public static void main(String[] args) throws Exception {
        Path cache = Paths.get(args[0]);
        Processor proc = new Processor(false);
        XsltCompiler compiler = proc.newXsltCompiler();
        XsltExecutable pipeline = null;
        int threads = Math.max(1, Integer.parseInt(args[2]));
        SchemaFactory sf = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        Map<String, RuleSet> sets = new HashMap<>();
        for (int i = 3; i + 2 < args.length; i += 3) {
            RuleSet set = new RuleSet();
            for (String xsd : split(args[i + 1])) {
                String name = Paths.get(xsd).getFileName().toString();
                String root = name.replaceFirst("^UBL-", "").replaceFirst("-2\\.1\\.xsd$", "");
                set.schemas.put(root, sf.newSchema(new File(xsd)));
            }
            for (String spec : split(args[i + 2])) {
                String[] p = spec.split("=", 2); // schematron=compiled-file-name
                Path compiled = cache.resolve(p[1]);
                if (!Files.exists(compiled)) {
                    if (pipeline == null) {
                        pipeline = compiler.compile(new StreamSource(new File(args[1])));
                    }
                    Path tmp = Files.createTempFile(cache, "compile-", ".tmp");
                    XsltTransformer t = pipeline.load();
                    // Compact SVRL: no fired-rule or active-pattern element per rule and context
                    // node, only the failed asserts this program reads (a third less work per
                    // document than the full report).
                    t.setParameter(new QName("schxslt.svrl.compact"), new XdmAtomicValue(true));
                    t.setSource(new StreamSource(new File(p[0])));
                    t.setDestination(proc.newSerializer(tmp.toFile()));
                    t.transform();
                    // A rename is atomic: another process compiling at once never reads half a file.
                    Files.move(tmp, compiled, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
                set.rules.add(compiler.compile(new StreamSource(compiled.toFile())));
            }
            sets.put(args[i], set);
        }
        XPathCompiler xp = proc.newXPathCompiler();
        xp.declareNamespace("svrl", "http://purl.oclc.org/dsdl/svrl");
        XPathExecutable fatal = xp.compile("//svrl:failed-assert[@flag = 'fatal']");

        InputStream in = new BufferedInputStream(System.in);
        PrintStream out = new PrintStream(new BufferedOutputStream(System.out), false, "UTF-8");
        out.println("ready");
        out.flush();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(null, r, "rules", 16 << 20); // deep XPath recursion needs stack
            t.setDaemon(true);
            return t;
        });
        for (;;) {
            String line = readLine(in);
            if (line == null) {
                pool.shutdownNow();
                return;
            }
            String[] req = line.trim().split(" ");
            String id = req[0];
            RuleSet set = sets.get(req[1]);
            byte[] doc = in.readNBytes(Integer.parseInt(req[2]));
            pool.submit(() -> {
                StringBuilder answer = new StringBuilder();
                if (set == null) {
                    answer.append(id).append("\tXML\tunknown rule set\n");
                } else {
                    check(proc, set, fatal, doc, id, answer);
                }
                answer.append(id).append("\t.\n");
                synchronized (out) {
                    out.print(answer);
                    out.flush();
                }
            });
        }
    }

    static void check(Processor proc, RuleSet set, XPathExecutable fatal, byte[] doc, String id, StringBuilder answer) {
        // The document is parsed once into Saxon's tree, which both stylesheets read and which
        // names the root element (the schema validator parses it once more, as a stream).
        XdmNode tree = null;
        String treeError = null;
        try {
            tree = proc.newDocumentBuilder().build(new StreamSource(new ByteArrayInputStream(doc)));
        } catch (SaxonApiException e) {
            treeError = clean(e.getMessage());
        }
        if (!set.schemas.isEmpty()) {
            Schema schema = set.schemas.get(rootName(tree));
            if (schema == null) {
                answer.append(id).append("\tUBL-XSD\tthe document's root element is none of ").append(set.schemas.keySet()).append('\n');
            } else {
                try {
                    Validator v = schema.newValidator();
                    try {
                        v.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
                    } catch (org.xml.sax.SAXException ignored) {
                        // Go's reader has already refused any DTD.
                    }
                    v.validate(new StreamSource(new ByteArrayInputStream(doc)));
                } catch (org.xml.sax.SAXException | IOException e) {
                    answer.append(id).append("\tUBL-XSD\t").append(clean(e.getMessage())).append('\n');
                }
            }
        }
        for (XsltExecutable r : set.rules) {
            if (tree == null) {
                answer.append(id).append("\tXML\t").append(treeError).append('\n');
                continue;
            }
            try {
                XdmDestination svrl = new XdmDestination();
                XsltTransformer t = r.load();
                t.setInitialContextNode(tree);
                t.setDestination(svrl);
                t.transform();
                XPathSelector sel = fatal.load();
                sel.setContextItem(svrl.getXdmNode());
                for (XdmItem item : sel) {
                    XdmNode n = (XdmNode) item;
                    answer.append(id).append('\t').append(clean(n.getAttributeValue(new QName("id")))).append('\t')
                        .append(clean(n.getStringValue())).append('\n');
                }
            } catch (SaxonApiException e) {
                answer.append(id).append("\tXML\t").append(clean(e.getMessage())).append('\n');
            }
        }
    }

    // rootName is the local name of the document's root element ("" when unreadable).
    static String rootName(XdmNode tree) {
        if (tree != null) {
            for (XdmNode child : tree.children()) {
                if (child.getNodeKind() == XdmNodeKind.ELEMENT) {
                    return child.getNodeName().getLocalName();
                }
            }
        }
        return "";
    }

    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        for (String p : s.split(",")) {
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    static String clean(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != -1; ) {
            if (c == '\n') {
                return b.toString();
            }
            b.append((char) c);
        }
        return b.length() == 0 ? null : b.toString();
    }
}
