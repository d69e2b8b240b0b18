using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ConnectorHealth.Contracts;
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

    [Fact]
    public async Task EveryRouteAnswersMethodsItDoesNotServeWith405AndItsAllowHeaderAndHeadLikeGet()
    {
        using var budget = new CancellationTokenSource(SweepBudget);
        var failures = new List<string>();
        var paths = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)
        {
            ["/api/access"] = ["GET"],
            ["/api/system"] = ["GET"],
        };
        foreach (var service in Services)
        {
            using var document = await DocumentAsync(service, budget.Token);
            foreach (var (method, template, operation) in Operations(document.RootElement))
            {
                var path = FillSample(template, operation);
                if (!paths.TryGetValue(path, out var methods))
                {
                    paths[path] = methods = [];
                }
                methods.Add(method.Method);
            }
        }

        foreach (var (path, methods) in paths)
        {
            var allowed = methods.Contains("GET") ? methods.Append("HEAD").ToHashSet() : methods;
            foreach (var method in new[] { "CONNECT", "TRACE", "PATCH", "PUT", "DELETE" }.Where(m => !methods.Contains(m)))
            {
                var (status, headers) = await RawAsync(method, path, budget.Token);
                var allow = headers.GetValueOrDefault("allow", "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .ToHashSet(StringComparer.Ordinal);
                var contentType = headers.GetValueOrDefault("content-type", "");
                if (status != 405 || !allow.SetEquals(allowed) || !contentType.StartsWith("application/problem+json", StringComparison.Ordinal))
                {
                    failures.Add($"{method} {path}: {status}, Allow: {string.Join(", ", allow)} (expected 405 allowing {string.Join(", ", allowed.Order())}), {contentType}");
                }
            }
            if (methods.Contains("GET"))
            {
                using var get = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), budget.Token);
                using var head = await SendAsync(new HttpRequestMessage(HttpMethod.Head, path), budget.Token);
                var body = await head.Content.ReadAsByteArrayAsync(budget.Token);
                if (head.StatusCode != get.StatusCode || body.Length > 0
                    || head.Content.Headers.ContentType?.MediaType != get.Content.Headers.ContentType?.MediaType)
                {
                    failures.Add($"HEAD {path}: {(int)head.StatusCode} with {body.Length} bytes, {head.Content.Headers.ContentType?.MediaType}; "
                        + $"GET: {(int)get.StatusCode}, {get.Content.Headers.ContentType?.MediaType}");
                }
            }
        }

        output.WriteLine($"{paths.Count} paths");
        Assert.True(paths.Count > 20, "The services' documents list the routes.");
        Assert.True(failures.Count == 0, $"{failures.Count} answers were wrong:\n" + string.Join("\n", failures.Take(60)));
    }

    [Fact]
    public async Task EveryBodyRouteReadsMediaTypeParametersPerRfc9110AndRefusesOtherCharsetsWith415()
    {
        using var budget = new CancellationTokenSource(SweepBudget);
        var failures = new List<string>();
        var routes = 0;
        foreach (var service in Services)
        {
            using var document = await DocumentAsync(service, budget.Token);
            foreach (var (method, template, operation) in Operations(document.RootElement))
            {
                if (Schema(document.RootElement, operation, "requestBody") is not { } schema || !schema.TryGetProperty("properties", out _))
                {
                    continue;
                }
                routes++;
                var path = FillSample(template, operation);
                // A body that parses and is then refused for its unknown member: the media type was taken, nothing changes.
                foreach (var (contentType, accepted) in new[]
                {
                    ("application/json; charset=utf-8", true), ("application/json; charset=\"UTF-8\"", true),
                    ("application/json;Charset=utf-8", true), ("APPLICATION/JSON", true),
                    ("application/json; charset=latin1", false), ("application/json; charset=\"utf-16\"", false),
                    ("application/json; charset=x-no-such", false), ("text/plain", false),
                })
                {
                    var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"noSuchMember": 1}"""));
                    content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                    using var response = await SendAsync(new HttpRequestMessage(method, path) { Content = content }, budget.Token);
                    var expected = accepted ? HttpStatusCode.BadRequest : HttpStatusCode.UnsupportedMediaType;
                    var text = await response.Content.ReadAsStringAsync(budget.Token);
                    if (response.StatusCode != expected || response.Content.Headers.ContentType?.MediaType != "application/problem+json"
                        || (accepted && !AllowsOtherMembers(schema) && !text.Contains("\"noSuchMember\"", StringComparison.Ordinal)))
                    {
                        failures.Add($"{method} {path} as {contentType}: {(int)response.StatusCode} (expected {(int)expected}) {Shorten(text)}");
                    }
                }
            }
        }

        Assert.True(routes >= 5, $"Only {routes} body routes found.");
        Assert.True(failures.Count == 0, $"{failures.Count} answers were wrong:\n" + string.Join("\n", failures.Take(60)));
    }

    [Fact]
    public async Task EveryQueryParameterGivenTwiceIsRefusedNamingIt()
    {
        using var budget = new CancellationTokenSource(SweepBudget);
        var failures = new List<string>();
        var checkedParameters = 0;
        foreach (var service in Services)
        {
            using var document = await DocumentAsync(service, budget.Token);
            foreach (var (method, template, operation) in Operations(document.RootElement))
            {
                var parameters = operation.TryGetProperty("parameters", out var list) ? list.EnumerateArray().ToList() : [];
                foreach (var name in parameters.Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!))
                {
                    checkedParameters++;
                    using var response = await SendAsync(
                        new HttpRequestMessage(method, $"{FillSample(template, operation)}?{name}=1&{name}=2"), budget.Token);
                    var text = await response.Content.ReadAsStringAsync(budget.Token);
                    if (response.StatusCode != HttpStatusCode.BadRequest || !text.Contains($"\"{name}\":", StringComparison.Ordinal))
                    {
                        failures.Add($"{method} {template}?{name}=1&{name}=2: {(int)response.StatusCode} {Shorten(text)}");
                    }
                }
            }
        }

        Assert.True(checkedParameters >= 10, $"Only {checkedParameters} query parameters found.");
        Assert.True(failures.Count == 0, $"{failures.Count} answers were wrong:\n" + string.Join("\n", failures.Take(60)));
    }

    [Fact]
    public async Task EveryRouteRefusesAConnectorNameNoRunCanCarryWith400NamingIt()
    {
        using var budget = new CancellationTokenSource(SweepBudget);
        var failures = new List<string>();
        var checkedRoutes = 0;
        // Upper case, a space, a leading dot, and one character past the limit: each breaks RunDefinition's one rule.
        string[] names = ["Good_API", "good%20api", ".good_api", new string('a', ConnectorHealth.Contracts.RunDefinition.MaxConnectorLength + 1)];
        foreach (var service in Services)
        {
            using var document = await DocumentAsync(service, budget.Token);
            foreach (var (method, template, operation) in Operations(document.RootElement))
            {
                var parameters = operation.TryGetProperty("parameters", out var list) ? list.EnumerateArray().ToList() : [];
                var connector = parameters.FirstOrDefault(p => p.GetProperty("name").GetString() == "connector");
                if (connector.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }
                checkedRoutes++;
                var inPath = connector.GetProperty("in").GetString() == "path";
                foreach (var name in names)
                {
                    var target = inPath
                        ? FillSample(template.Replace("{connector}", name, StringComparison.Ordinal), operation)
                        : $"{FillSample(template, operation)}?connector={name}";
                    using var request = new HttpRequestMessage(method, target);
                    if (operation.TryGetProperty("requestBody", out _))
                    {
                        request.Content = Json("{}");
                    }
                    using var response = await SendAsync(request, budget.Token);
                    var text = await response.Content.ReadAsStringAsync(budget.Token);
                    if (response.StatusCode != HttpStatusCode.BadRequest || !text.Contains("\"connector\":", StringComparison.Ordinal))
                    {
                        failures.Add($"{method} {target}: {(int)response.StatusCode} {Shorten(text)}");
                    }
                }
            }
        }

        Assert.True(checkedRoutes >= 10, $"Only {checkedRoutes} routes with a connector found.");
        Assert.True(failures.Count == 0, $"{failures.Count} answers were wrong:\n" + string.Join("\n", failures.Take(60)));
    }

    [Fact]
    public async Task EnumValuesAreTheirExactNamesOnlyInBodiesAndQueries()
    {
        var failures = new List<string>();
        var silenceEnd = DateTimeOffset.UtcNow.AddHours(1);
        var comma = (string[] names) => $"{names[0]}, {names[1]}";
        var bodies = new (HttpMethod Method, string Path, Func<string, string> Body, string Field, IReadOnlyList<string> Names)[]
        {
            (HttpMethod.Put, "/api/contracts/e2e_enum_contract", v => JsonSerializer.Serialize(new { policy = v, schema = new { type = "object" } }), "policy",
                ["alert", "quarantine"]),
            (HttpMethod.Put, "/api/schemas/e2e_enum_contract/compatibility", v => JsonSerializer.Serialize(new { mode = v }), "mode",
                EnumNames.All<ConnectorHealth.Contracts.CompatibilityMode>()),
            (HttpMethod.Post, "/api/silences", v => JsonSerializer.Serialize(new { severity = v, endsAt = silenceEnd, author = "e2e", comment = "enum" }), "severity",
                ["info", "warning", "critical"]),
        };
        foreach (var (method, path, body, field, names) in bodies)
        {
            foreach (var value in new[] { comma([.. names]), names[0].ToUpperInvariant(), "1", " " + names[0] })
            {
                using var response = await SendAsync(new HttpRequestMessage(method, path) { Content = Json(body(value)) }, CancellationToken.None);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.BadRequest || !text.Contains($"\"{field}\":", StringComparison.Ordinal))
                {
                    failures.Add($"{method} {path} with {field} '{value}': {(int)response.StatusCode} {Shorten(text)}");
                }
            }
        }
        foreach (var target in new[]
        {
            "/api/runs?status=succeeded%2C%20failed", "/api/runs?status=Failed", "/api/runs?source=1",
            "/api/schemas/e2e_enum_contract/diff?from=1&to=1&mode=backward%2Cforward", "/api/schemas/e2e_enum_contract/diff?from=1&to=1&mode=Backward",
            "/api/alerts?severity=info%2Cwarning", "/api/alerts?state=Firing",
        })
        {
            using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, target), CancellationToken.None);
            var name = target.Split('?')[1].Split('&').Last().Split('=')[0];
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.BadRequest || !text.Contains($"\"{name}\":", StringComparison.Ordinal))
            {
                failures.Add($"GET {target}: {(int)response.StatusCode} {Shorten(text)}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} answers were wrong:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task TheWebUiAnswersABadLinkWithItsOwnNotFoundPage()
    {
        using var webUi = system.App.CreateHttpClient(ResourceNames.WebUi);
        var failures = new List<string>();
        foreach (var target in new[]
        {
            "/schemas/x?to=999999999999", "/schemas/x?from=-1", "/schemas/x?from=abc&to=2", "/alerts/abc", "/alerts/99999999999999999999",
            "/runs/not-a-guid", "/no-such-page",
        })
        {
            using var response = await webUi.GetAsync(target);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.NotFound || response.Content.Headers.ContentType?.MediaType != "text/html"
                || !text.Contains("data-testid=\"bad-link\"", StringComparison.Ordinal))
            {
                failures.Add($"{target}: {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType} {Shorten(text)}");
            }
        }
        // Every page's query parameters with hostile values: a 4xx page or the page itself, never a 5xx.
        foreach (var (page, parameters) in new[]
        {
            ("/runs", new[] { "connector", "status", "source", "range", "cursor" }), ("/alerts", ["state", "rule", "severity", "connector", "cursor"]),
            ("/kpis", ["from", "to", "connector", "page"]), ("/schemas/x", ["from", "to", "mode", "changes", "events"]),
        })
        {
            foreach (var parameter in parameters)
            {
                foreach (var value in new[] { "999999999999", "-1", "%ED%A0%80", "9999-12-31", "a,b", new string('x', 3000) })
                {
                    using var response = await webUi.GetAsync($"{page}?{parameter}={value}");
                    if ((int)response.StatusCode >= 500)
                    {
                        failures.Add($"{page}?{parameter}={Shorten(value)}: {(int)response.StatusCode}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} answers were wrong:\n" + string.Join("\n", failures));
    }

    /// <summary>A template filled with values its route constraints take (a number, a UUID), so the route itself matches.</summary>
    private static string FillSample(string template, JsonElement operation)
    {
        var parameters = operation.TryGetProperty("parameters", out var list) ? list.EnumerateArray().ToList() : [];
        foreach (var parameter in parameters.Where(p => p.GetProperty("in").GetString() == "path"))
        {
            var schema = parameter.TryGetProperty("schema", out var s) ? s : default;
            var type = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var t) ? t.ToString() : "";
            var format = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("format", out var f) ? f.GetString() : null;
            var value = format == "uuid" ? "0197a1b2-0000-7000-8000-000000000001" : type.Contains("integer") ? "1" : "e2e_sample";
            template = template.Replace("{" + parameter.GetProperty("name").GetString() + "}", value);
        }
        return template;
    }

    /// <summary>
    /// Sends a request line and headers as written, over a new connection: HttpClient sends CONNECT only in authority form
    /// (host:port, for tunnels), while a client such as curl -X CONNECT sends the path.
    /// </summary>
    private async Task<(int Status, Dictionary<string, string> Headers)> RawAsync(string method, string target, CancellationToken budget)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(budget);
        timeout.CancelAfter(RequestTimeout);
        var gateway = system.Gateway.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(gateway.Host, gateway.Port, timeout.Token);
        await using var stream = tcp.GetStream();
        var key = system.Gateway.DefaultRequestHeaders.GetValues(ApiKeyHeader.Name).Single();
        var request = $"{method} {target} HTTP/1.1\r\nHost: {gateway.Authority}\r\n{ApiKeyHeader.Name}: {key}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = await reader.ReadToEndAsync(timeout.Token);
        var lines = answer.Split("\r\n");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1).TakeWhile(l => l.Length > 0))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim()] = headers.TryGetValue(line[..colon].Trim(), out var earlier)
                ? earlier + ", " + line[(colon + 1)..].Trim()
                : line[(colon + 1)..].Trim();
        }
        return (int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), headers);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken budget)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(budget);
        timeout.CancelAfter(RequestTimeout);
        using (request)
        {
            return await system.Gateway.SendAsync(request, timeout.Token);
        }
    }

    private async Task<JsonDocument> DocumentAsync(string service, CancellationToken cancellationToken)
    {
        using var client = system.App.CreateHttpClient(service);
        return JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json", cancellationToken));
    }

    // A stream (server-sent events: GET /api/alerts/stream) answers a good request with a response that does not end,
    // and these sweeps read whole answers: streams are tested on their own (AlertStreamGatewayTests, the live alerts page).
    private static IEnumerable<(HttpMethod Method, string Template, JsonElement Operation)> Operations(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => !IsStream(o.Value)))
            {
                yield return (new HttpMethod(operation.Name.ToUpperInvariant()), path.Name, operation.Value);
            }
        }
    }

    private static bool IsStream(JsonElement operation) =>
        operation.TryGetProperty("responses", out var responses) && responses.TryGetProperty("200", out var ok)
        && ok.TryGetProperty("content", out var content) && content.TryGetProperty("text/event-stream", out _);

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

    /// <summary>Whether a body's schema lets it carry members it does not define (<c>additionalProperties</c> not false).</summary>
    private static bool AllowsOtherMembers(JsonElement schema) =>
        schema.TryGetProperty("additionalProperties", out var other) && other.ValueKind != JsonValueKind.False;

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
        // A misspelt member must not be read as "not given" (it would clear or re-drive what was not meant) — unless the
        // document says the body may carry members it does not define (an OpenLineage event: its spec allows them).
        if (!AllowsOtherMembers(schema))
        {
            yield return (Json("""{"noSuchMember": 5}"""), "noSuchMember");
            foreach (var first in properties.EnumerateObject().Take(1))
            {
                // A near miss of a real member (one letter too many).
                yield return (Json($$"""{"{{first.Name}}x": null}"""), first.Name + "x");
            }
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
