using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHealth.IntegrationTests.Infrastructure;
using Microsoft.OpenApi;

namespace ConnectorHealth.IntegrationTests.OpenApi;

/// <summary>
/// The web UI's client is generated at build time from the OpenAPI documents committed under Dashboard/Apis. Each
/// service's real Program must serve exactly the committed document, so the client cannot drift from the API it calls.
/// The services serve OpenAPI 3.1; the committed copy is the same document written as OpenAPI 3.0, the version whose
/// nullable references and enums the client generator (NSwag) reads in full.
/// After an API change, run these tests with OPENAPI_UPDATE_COMMITTED=1 to rewrite the documents, and commit them.
/// </summary>
public sealed class CommittedDocumentTests
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public Task TheRunnerServesTheCommittedDocument() => AssertCommittedAsync<ConnectorHealth.Runner.RunnerOptions>("runner");

    [Fact]
    public Task TheMetricsServiceServesTheCommittedDocument() => AssertCommittedAsync<ConnectorHealth.Metrics.MetricsOptions>("metrics");

    [Fact]
    public Task TheDriftServiceServesTheCommittedDocument() => AssertCommittedAsync<ConnectorHealth.Drift.DriftOptions>("drift");

    [Fact]
    public Task TheAlertingServiceServesTheCommittedDocument() => AssertCommittedAsync<ConnectorHealth.Alerting.AlertingOptions>("alerting");

    private static async Task AssertCommittedAsync<TServiceType>(string service) where TServiceType : class
    {
        var served = Normalized(await AsOpenApi30Async(await OpenApiLintTests.DocumentAsync<TServiceType>()));
        var file = Path.Combine(RepositoryFiles.Root(), "Dashboard", "Apis", $"{service}.json");
        if (Environment.GetEnvironmentVariable("OPENAPI_UPDATE_COMMITTED") == "1")
        {
            await File.WriteAllTextAsync(file, served);
        }
        Assert.True(File.Exists(file), $"{file} is missing: run this test with OPENAPI_UPDATE_COMMITTED=1 and commit it.");
        var committed = Normalized(await File.ReadAllTextAsync(file));
        // Line by line, so a failure names the first place the two part (a whole document in one message helps no one).
        var servedLines = served.Split('\n');
        var committedLines = committed.Split('\n');
        var firstDifference = Enumerable.Range(0, Math.Min(servedLines.Length, committedLines.Length))
            .FirstOrDefault(line => servedLines[line] != committedLines[line], Math.Min(servedLines.Length, committedLines.Length));
        Assert.True(served == committed,
            $"The {service} service no longer serves {file} (first difference at line {firstDifference + 1}: "
            + $"committed \"{Line(committedLines, firstDifference)}\", served \"{Line(servedLines, firstDifference)}\"). "
            + "Run this test with OPENAPI_UPDATE_COMMITTED=1, rebuild the web UI against the new document and commit both.");
    }

    private static async Task<string> AsOpenApi30Async(string document)
    {
        var read = OpenApiDocument.Parse(document, "json");
        Assert.True(read.Document is not null && read.Diagnostic?.Errors.Count is null or 0,
            $"The served document does not read back: {string.Join("; ", read.Diagnostic?.Errors.Select(e => e.Message) ?? [])}");
        return await read.Document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_0);
    }

    private static string Line(string[] lines, int index) => index < lines.Length ? lines[index].Trim() : "(end of document)";

    // The same JSON however it was spaced, with a newline at the end as a committed file has.
    private static string Normalized(string json) =>
        JsonNode.Parse(json)!.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";
}
