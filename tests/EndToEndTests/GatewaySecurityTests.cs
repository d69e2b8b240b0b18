using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ConnectorHealth.EndToEndTests;

/// <summary>The gateway's door: API keys with two roles, rate limits, and the API reference that needs no key.</summary>
[Collection(SystemCollection.Name)]
public sealed class GatewaySecurityTests(ConnectorHealthApp system)
{
    [Fact]
    public async Task WithoutAKeyOrWithAWrongOneTheApiAnswers401ProblemDetails()
    {
        using var anonymous = ConnectorHealthApp.GatewayClient(system.App, key: "");
        using var wrong = ConnectorHealthApp.GatewayClient(system.App, key: "not-a-key");

        foreach (var (client, title) in new[] { (anonymous, "An API key is required"), (wrong, "The API key is not valid") })
        {
            foreach (var path in new[] { "/api/runs", "/api/system", "/api/alerts", "/api/schemas", "/api/access" })
            {
                using var response = await client.GetAsync(path);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal(title, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
                Assert.Contains("X-Api-Key", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }
        }
        using var health = await anonymous.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task EachKeyLearnsItsRoleFromTheGateway()
    {
        using var viewer = ConnectorHealthApp.GatewayClient(system.App, ConnectorHealthApp.ViewerKey);
        var asViewer = await viewer.GetFromJsonAsync<JsonElement>("/api/access");
        Assert.Equal(("viewer", false), (asViewer.GetProperty("role").GetString(), asViewer.GetProperty("mayChange").GetBoolean()));
        var asOperator = await system.Gateway.GetFromJsonAsync<JsonElement>("/api/access");
        Assert.Equal(("operator", true), (asOperator.GetProperty("role").GetString(), asOperator.GetProperty("mayChange").GetBoolean()));
    }

    [Fact]
    public async Task TheViewerKeyReadsButCannotAct()
    {
        using var viewer = ConnectorHealthApp.GatewayClient(system.App, ConnectorHealthApp.ViewerKey);

        using var read = await viewer.GetAsync("/api/connectors");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        foreach (var (method, path) in new[]
            {
                (HttpMethod.Post, "/api/connectors/good_api/runs"), (HttpMethod.Post, "/api/silences"), (HttpMethod.Put, "/api/schemas/x/compatibility"),
                (HttpMethod.Put, "/api/connectors/viewer_made"), (HttpMethod.Patch, "/api/connectors/good_api"), (HttpMethod.Delete, "/api/connectors/good_api"),
            })
        {
            using var response = await viewer.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(new { }) });
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task TheReporterKeyAsABearerTokenReportsRunsAndLineageAndNothingElse()
    {
        using var reporter = ConnectorHealthApp.GatewayClient(system.App, key: "");
        reporter.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ConnectorHealthApp.ReporterKey);

        var access = await reporter.GetFromJsonAsync<JsonElement>("/api/access");
        Assert.Equal(("reporter", false), (access.GetProperty("role").GetString(), access.GetProperty("mayChange").GetBoolean()));

        // An OpenLineage event, as the HTTP transport sends it with an API key.
        var events = new OpenLineageEvents();
        using var lineage = await reporter.PostAsync("/api/v1/lineage",
            new StringContent(events.Load("dbt-run-start").ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, lineage.StatusCode);
        using var batch = await reporter.PostAsync("/api/v1/lineage/batch",
            new StringContent(new System.Text.Json.Nodes.JsonArray(events.Load("dbt-run-complete")).ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        using var report = await reporter.PostAsJsonAsync("/api/runs", new
        {
            runId = Guid.NewGuid(), connector = "reporter_key_job", status = "succeeded",
            startedAt = DateTimeOffset.UtcNow.AddMinutes(-1), finishedAt = DateTimeOffset.UtcNow,
        });
        Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);

        foreach (var (method, path) in new[]
            {
                (HttpMethod.Get, "/api/runs"), (HttpMethod.Get, "/api/connectors"), (HttpMethod.Post, "/api/connectors/good_api/runs"),
                (HttpMethod.Post, "/api/silences"), (HttpMethod.Get, "/api/system"),
            })
        {
            using var response = await reporter.SendAsync(new HttpRequestMessage(method, path) { Content = method == HttpMethod.Get ? null : JsonContent.Create(new { }) });
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("This key may only report", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        }

        // A bearer token that is no key is refused like any wrong key.
        using var wrong = ConnectorHealthApp.GatewayClient(system.App, key: "");
        wrong.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-a-key");
        using var refused = await wrong.PostAsync("/api/v1/lineage", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task TheApiReferenceCoversEveryServiceWithTheKeySchemeAndNeedsNoKey()
    {
        using var anonymous = ConnectorHealthApp.GatewayClient(system.App, key: "");

        using var docs = await anonymous.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        var page = await docs.Content.ReadAsStringAsync();
        Assert.True(page.Contains("runner.json", StringComparison.Ordinal), page);
        foreach (var service in new[] { "runner", "metrics", "drift", "alerting" })
        {
            Assert.Contains($"{service}.json", page, StringComparison.Ordinal);
            var document = await anonymous.GetFromJsonAsync<JsonElement>($"/openapi/{service}.json");
            var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
            Assert.Equal(("apiKey", "header", "X-Api-Key"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(), scheme.GetProperty("name").GetString()));
            Assert.True(document.GetProperty("paths").EnumerateObject().Any());
        }
    }

    [Fact]
    public async Task RequestsPastTheRateLimitAre429WithRetryAfter()
    {
        // Without a key the limit is per client address (20/s after a burst of 60): a quick hundred goes past it.
        using var anonymous = ConnectorHealthApp.GatewayClient(system.App, key: "");
        var answers = await Task.WhenAll(Enumerable.Range(0, 120).Select(_ => anonymous.GetAsync("/api/runs")));
        try
        {
            var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
            Assert.NotEmpty(limited);
            Assert.All(limited, a =>
            {
                Assert.NotNull(a.Headers.RetryAfter?.Delta);
                Assert.Equal("application/problem+json", a.Content.Headers.ContentType?.MediaType);
            });
            Assert.All(answers.Except(limited), a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        }
        finally
        {
            foreach (var answer in answers)
            {
                answer.Dispose();
            }
        }
        // The operator's own bucket is untouched.
        using var mine = await system.Gateway.GetAsync("/api/runs?limit=1");
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        using var health = await anonymous.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
