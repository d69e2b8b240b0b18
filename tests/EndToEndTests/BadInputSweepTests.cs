using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ConnectorHealth.ServiceDefaults;
using Xunit.Abstractions;

namespace ConnectorHealth.EndToEndTests;

/// <summary>
/// Reads each service's OpenAPI document and sends every operation hostile input through the gateway: no answer may be
/// a 5xx, and every 4xx must be problem details with a title (400s caused by a body field name it in errors).
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class BadInputSweepTests(ConnectorHealthApp system, ITestOutputHelper output)
{
    private static readonly TimeSpan SweepBudget = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private static readonly string[] Services = [ResourceNames.Runner, ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting];

    /// <summary>Hostile values, already percent-encoded: NUL and a lone surrogate have no other URL form.</summary>
    private static readonly string[] HostileUrlValues =
    [
        "%00", "a%00b", "%ED%A0%80", new string('x', 10_000), "0001-01-01", "9999-12-31T23:59:59Z", "%2B275760-01-01",
        "NaN", "Infinity", "1e309", "-1", "99999999999999999999999", "%25%25garbage%21", "", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ];

    [Fact]
    public async Task EveryOperationAnswersHostileInputWithProblemDetails()
    {
        using var budget = new CancellationTokenSource(SweepBudget);
        var failures = new List<string>();
        var requests = 0;
        var clock = Stopwatch.StartNew();
        foreach (var service in Services)
        {
            using var document = await DocumentAsync(service, budget.Token);
            foreach (var (method, template, operation) in Operations(document.RootElement))
            {
                foreach (var (path, query) in HostileTargets(template, operation))
                {
                    requests++;
                    await CheckAsync(failures, method, path + query, content: null, bodyField: null, budget.Token);
                }
                if (Schema(document.RootElement, operation, "requestBody") is { } body)
                {
                    var target = Fill(template, "x");
                    foreach (var (content, field) in HostileBodies(document.RootElement, body))
                    {
                        requests++;
                        await CheckAsync(failures, method, target, content, field, budget.Token);
                    }
                }
            }
        }

        output.WriteLine($"{requests} requests in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} answers were wrong:\n" + string.Join("\n", failures.Take(60)));
    }

    private async Task<JsonDocument> DocumentAsync(string service, CancellationToken cancellationToken)
    {
        using var client = system.App.CreateHttpClient(service);
        return JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json", cancellationToken));
    }

    private static IEnumerable<(HttpMethod Method, string Template, JsonElement Operation)> Operations(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                yield return (new HttpMethod(operation.Name.ToUpperInvariant()), path.Name, operation.Value);
            }
        }
    }

    /// <summary>Each parameter in turn with each hostile value (the others left out or harmless), and a URL too long.</summary>
    private static IEnumerable<(string Path, string Query)> HostileTargets(string template, JsonElement operation)
    {
        var parameters = operation.TryGetProperty("parameters", out var list) ? list.EnumerateArray().ToList() : [];
        foreach (var parameter in parameters)
        {
            var name = parameter.GetProperty("name").GetString()!;
            foreach (var value in HostileUrlValues)
            {
                if (parameter.GetProperty("in").GetString() == "path")
                {
                    // An empty segment would route elsewhere (a list instead of one item): that is not hostile input.
                    if (value.Length > 0)
                    {
                        yield return (template.Replace("{" + name + "}", value), "");
                    }
                }
                else
                {
                    yield return (Fill(template, "x"), $"?{name}={value}");
                }
            }
        }
        yield return (Fill(template, "x"), "?padding=" + new string('y', 9 * 1024));
        yield return (Fill(template, "x"), "?%00=1&%ED%A0%80=2");
    }

    private static string Fill(string template, string value)
    {
        var filled = new StringBuilder();
        var inside = false;
        foreach (var c in template)
        {
            if (c == '{') { inside = true; filled.Append(value); }
            else if (c == '}') { inside = false; }
            else if (!inside) { filled.Append(c); }
        }
        return filled.ToString();
    }

    /// <summary>The schema of an operation's JSON request body, with its $ref resolved.</summary>
    private static JsonElement? Schema(JsonElement document, JsonElement operation, string part) =>
        operation.TryGetProperty(part, out var body) && body.TryGetProperty("content", out var content)
            && content.TryGetProperty("application/json", out var json) && json.TryGetProperty("schema", out var schema)
            ? Resolve(document, schema)
            : null;

    private static JsonElement Resolve(JsonElement document, JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference)
            ? document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1])
            : schema;

    /// <summary>Hostile bodies, each with the field a 400 must name (null when it may name anything).</summary>
    private static IEnumerable<(HttpContent Content, string? Field)> HostileBodies(JsonElement document, JsonElement schema)
    {
        yield return (Json(""), null);
        yield return (Json("nope"), null);
        yield return (Json("[]"), null);
        yield return (Json("{\"a\":" + new string('[', 200) + new string(']', 200) + "}"), null);
        yield return (new StringContent("{}", Encoding.UTF8, "text/plain"), null);
        yield return (new ByteArrayContent([]), null);
        yield return (new ByteArrayContent(new byte[20 * 1024 * 1024]) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } }, null);
        yield return (Json("{\"a\":\"\\u0000\",\"b\":\"\\ud800\"}"), null);
        yield return (new ByteArrayContent([(byte)'{', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)':', (byte)'1', (byte)'}'])
            { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } }, null);

        if (!schema.TryGetProperty("properties", out var properties))
        {
            yield break;
        }
        foreach (var property in properties.EnumerateObject())
        {
            var field = Resolve(document, property.Value);
            var types = field.TryGetProperty("type", out var type)
                ? type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()).ToHashSet() : [type.GetString()]
                : [];
            // A value of a JSON type the field does not take must be refused naming the field.
            var wrong = types.Contains("string") ? "12345" : types.Contains("object") || types.Contains("array") ? "\"x\"" : types.Count > 0 ? "\"x\"" : null;
            if (wrong is not null)
            {
                yield return (Json($"{{\"{property.Name}\":{wrong}}}"), property.Name);
            }
            if (types.Contains("number") || types.Contains("integer"))
            {
                yield return (Json($"{{\"{property.Name}\":\"NaN\"}}"), property.Name);
                yield return (Json($"{{\"{property.Name}\":\"Infinity\"}}"), property.Name);
            }
            if (types.Contains("string"))
            {
                yield return (Json($"{{\"{property.Name}\":\"\\u0000\"}}"), null);
                yield return (Json($"{{\"{property.Name}\":\"\\ud800\"}}"), property.Name);
            }
            yield return (Json($"{{\"{property.Name}\":null,\"{property.Name}\":null}}"), property.Name);
        }
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private async Task CheckAsync(List<string> failures, HttpMethod method, string target, HttpContent? content, string? bodyField, CancellationToken budget)
    {
        using var request = new HttpRequestMessage(method, target) { Content = content };
        // Lets the gateway refuse a 20 MB body by its Content-Length before the client sends it.
        request.Headers.ExpectContinue = content is not null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(budget);
        timeout.CancelAfter(RequestTimeout);
        using var response = await system.Gateway.SendAsync(request, timeout.Token);
        var status = (int)response.StatusCode;
        var what = $"{method} {Shorten(target)}{(content is null ? "" : " with " + Shorten(await DescribeAsync(content)))}";
        if (status >= 500)
        {
            failures.Add($"{status} for {what}: {Shorten(await response.Content.ReadAsStringAsync(timeout.Token))}");
            return;
        }
        if (status < 400)
        {
            return;
        }
        // Kestrel itself refuses a NUL in the path before any middleware runs, with an empty 400.
        if (status == 400 && target.Split('?')[0].Contains("%00", StringComparison.Ordinal))
        {
            return;
        }
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            failures.Add($"{status} for {what}: content type {response.Content.Headers.ContentType?.MediaType ?? "none"}");
            return;
        }
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
        if (!problem.RootElement.TryGetProperty("title", out var title) || string.IsNullOrWhiteSpace(title.GetString()))
        {
            failures.Add($"{status} for {what}: no title");
        }
        if (status == 400 && bodyField is not null
            && !(problem.RootElement.TryGetProperty("errors", out var errors)
                && errors.EnumerateObject().Any(e => e.Name == bodyField || e.Name.StartsWith(bodyField + ".", StringComparison.Ordinal)
                    || e.Name.StartsWith(bodyField + "[", StringComparison.Ordinal))))
        {
            failures.Add($"400 for {what}: errors does not name {bodyField}: {Shorten(problem.RootElement.GetRawText())}");
        }
    }

    private static async Task<string> DescribeAsync(HttpContent content) =>
        content.Headers.ContentLength > 1024 ? $"{content.Headers.ContentLength} bytes" : await content.ReadAsStringAsync();

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "…";
}
