// BillingRules checks PEPPOL BIS Billing 3 documents for Avrop's invoice intake in one long-lived
// JVM: the UBL 2.1 schema (the JDK's validator) and the official EN 16931 and PEPPOL BIS
// Billing 3 schematron compiled once with SchXslt on Saxon-HE. Protocol on stdin/stdout: the
// program prints "ready"; then for each document Go writes its length in bytes on a line and the
// bytes, and the program answers one line "rule-id<TAB>text" per failed fatal assertion (and
// "UBL-XSD<TAB>text" for a schema error), then a line ".".
//
// Arguments: invoice.xsd creditnote.xsd pipeline-for-svrl.xsl rules.sch…
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import net.sf.saxon.s9api.*;

public class BillingRules {
    public static void main(String[] args) throws Exception {
        Processor proc = new Processor(false);
        XsltCompiler compiler = proc.newXsltCompiler();
        XsltExecutable pipeline = compiler.compile(new StreamSource(new File(args[2])));
        List<XsltExecutable> rules = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            XdmDestination compiled = new XdmDestination();
            XsltTransformer t = pipeline.load();
            t.setSource(new StreamSource(new File(args[i])));
            t.setDestination(compiled);
            t.transform();
            rules.add(compiler.compile(compiled.getXdmNode().asSource()));
        }
        SchemaFactory sf = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        Schema invoice = sf.newSchema(new File(args[0]));
        Schema creditNote = sf.newSchema(new File(args[1]));
        XPathCompiler xp = proc.newXPathCompiler();
        xp.declareNamespace("svrl", "http://purl.oclc.org/dsdl/svrl");
        XPathExecutable fatal = xp.compile("//svrl:failed-assert[@flag = 'fatal']");

        InputStream in = new BufferedInputStream(System.in);
        PrintStream out = new PrintStream(new BufferedOutputStream(System.out), false, "UTF-8");
        out.println("ready");
        out.flush();
        for (;;) {
            String line = readLine(in);
            if (line == null) {
                return;
            }
            byte[] doc = in.readNBytes(Integer.parseInt(line.trim()));
            String head = new String(doc, 0, Math.min(doc.length, 2000), StandardCharsets.UTF_8);
            try {
                Validator v = (head.contains("<CreditNote") ? creditNote : invoice).newValidator();
                try {
                    v.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
                } catch (org.xml.sax.SAXException ignored) {
                    // Go's reader has already refused any DTD.
                }
                v.validate(new StreamSource(new ByteArrayInputStream(doc)));
            } catch (org.xml.sax.SAXException e) {
                out.println("UBL-XSD\t" + clean(e.getMessage()));
            }
            for (XsltExecutable r : rules) {
                try {
                    XdmDestination svrl = new XdmDestination();
                    XsltTransformer t = r.load();
                    t.setSource(new StreamSource(new ByteArrayInputStream(doc)));
                    t.setDestination(svrl);
                    t.transform();
                    XPathSelector sel = fatal.load();
                    sel.setContextItem(svrl.getXdmNode());
                    for (XdmItem item : sel) {
                        XdmNode n = (XdmNode) item;
                        out.println(clean(n.getAttributeValue(new QName("id"))) + "\t" + clean(n.getStringValue()));
                    }
                } catch (SaxonApiException e) {
                    out.println("XML\t" + clean(e.getMessage()));
                }
            }
            out.println(".");
            out.flush();
        }
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
