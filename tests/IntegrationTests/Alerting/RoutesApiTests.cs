using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Alerting;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>The routing tree through the service's API: read as configured, tried with sample alerts; and judging alerts.</summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class RoutesApiTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private ServiceHost<AlertingOptions> _service = null!;

    public async Task InitializeAsync()
    {
        var database = await postgres.CreateDatabaseConnectionStringAsync("alerting_routes");
        _service = new ServiceHost<AlertingOptions>(database, rabbit.Uri,
            ("Alerting:Channels:ops:Url", "http://127.0.0.1:9/ops"),
            ("Alerting:Channels:pager:Format", "PagerDuty"),
            ("Alerting:Channels:pager:RoutingKey", new string('k', 32)),
            ("Alerting:Route:Receiver", "ops"),
            ("Alerting:Route:GroupBy:0", "connector"),
            ("Alerting:Route:Routes:0:Owners:0", "team-*"),
            ("Alerting:Route:Routes:0:Severities:0", "Critical"),
            ("Alerting:Route:Routes:0:Receiver", "pager"),
            ("Alerting:Route:Routes:0:MuteTimeIntervals:0", "always"),
            ("Alerting:Route:Routes:0:EscalateAfter", "00:30:00"),
            ("Alerting:Route:Routes:0:EscalateTo", "ops"),
            ("Alerting:TimeIntervals:always:0:Times:0:StartTime", "00:00"),
            ("Alerting:TimeIntervals:always:0:Times:0:EndTime", "24:00"));
        _ = _service.Services;
    }

    public async Task DisposeAsync() => await _service.DisposeAsync();

    [Fact]
    public async Task TheTreeIsReadAsConfiguredAndASampleAlertSaysWhereItWouldGoAndWhy()
    {
        using var client = _service.CreateClient();

        var tree = await client.GetFromJsonAsync<JsonElement>("/api/routes");
        Assert.False(tree.GetProperty("fromChannels").GetBoolean());
        var routes = tree.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["0", "0.0"], routes.Select(r => r.GetProperty("path").GetString()));
        Assert.Equal("pager", routes[1].GetProperty("receiver").GetString());
        Assert.Equal(["connector"], routes[1].GetProperty("groupBy").EnumerateArray().Select(g => g.GetString()));
        var window = Assert.Single(tree.GetProperty("windows").EnumerateArray());
        Assert.True(window.GetProperty("activeNow").GetBoolean());

        var paged = await TestAsync(client, new { connector = "invoices", rule = "consecutive_failures", severity = "critical", owner = "team-billing" });
        var receiver = Assert.Single(paged.GetProperty("receivers").EnumerateArray());
        Assert.Equal(("pager", "0.0"), (receiver.GetProperty("receiver").GetString(), receiver.GetProperty("route").GetString()));
        Assert.Equal("muted by window always", receiver.GetProperty("mutedNow").GetString());
        Assert.Equal("ops", receiver.GetProperty("escalateTo").GetString());
        Assert.Contains(receiver.GetProperty("why").EnumerateArray(), why => why.GetString()!.Contains("owner team-billing matches 'team-*'", StringComparison.Ordinal));

        var notPaged = await TestAsync(client, new { connector = "invoices", rule = "consecutive_failures", severity = "warning", owner = "team-billing" });
        Assert.Equal("ops", Assert.Single(notPaged.GetProperty("receivers").EnumerateArray()).GetProperty("receiver").GetString());
    }

    [Theory]
    [InlineData("""{"rule":"consecutive_failures","severity":"critical"}""", "connector")]
    [InlineData("""{"connector":"Bad Name","rule":"consecutive_failures","severity":"critical"}""", "connector")]
    [InlineData("""{"connector":"a","rule":"nope","severity":"critical"}""", "rule")]
    [InlineData("""{"connector":"a","rule":"freshness","severity":"loud"}""", null)]
    [InlineData("""{"connector":"a","rule":"freshness","severity":"info","tags":["Not A Tag"]}""", "tags")]
    public async Task ABadSampleIsRefusedWithWhatIsWrong(string body, string? field)
    {
        using var client = _service.CreateClient();

        using var response = await client.PostAsync("/api/routes/test", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null)
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
    }

    [Fact]
    public async Task AnAlertIsJudgedAndTheListAndTheConnectorsJudgementsSayHow()
    {
        var connector = $"judged_{Guid.NewGuid():N}"[..16];
        var bus = _service.Services.GetRequiredService<IBus>();
        var now = DateTimeOffset.UtcNow;
        foreach (var i in Enumerable.Range(0, 3))
        {
            await bus.Publish(new RunCompleted
            {
                RunId = Guid.CreateVersion7(), Connector = connector, Source = RunSource.Reported, StartedAt = now.AddSeconds(i - 10),
                FinishedAt = now.AddSeconds(i - 9), Status = RunStatus.Failed, LatencyMs = 1000, ErrorType = "auth", Owner = "team-billing",
                Tags = ["pii", "tier:1"],
            });
        }
        using var client = _service.CreateClient();
        JsonElement alert = default;
        await Poll.UntilAsync(async () =>
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"/api/alerts?connector={connector}");
            alert = page.GetProperty("items").EnumerateArray().FirstOrDefault();
            return alert.ValueKind == JsonValueKind.Object;
        }, "the alert raised");
        Assert.Equal("team-billing", alert.GetProperty("owner").GetString());
        Assert.Equal(["pii", "tier:1"], alert.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var id = alert.GetProperty("alertId").GetInt64();

        using var judged = await client.PostAsJsonAsync($"/api/alerts/{id}/feedback", new { verdict = "false_positive", by = "dana", note = "the token rotated" });
        Assert.Equal(HttpStatusCode.OK, judged.StatusCode);
        var feedback = (await judged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("alert").GetProperty("feedback");
        Assert.Equal(("false_positive", "dana", "the token rotated"),
            (feedback.GetProperty("verdict").GetString(), feedback.GetProperty("by").GetString(), feedback.GetProperty("note").GetString()));

        var byVerdict = await client.GetFromJsonAsync<JsonElement>("/api/alerts?feedback=false_positive&owner=team-billing&tag=pii");
        Assert.Contains(byVerdict.GetProperty("items").EnumerateArray(), a => a.GetProperty("alertId").GetInt64() == id);
        var otherOwner = await client.GetFromJsonAsync<JsonElement>("/api/alerts?owner=team-other");
        Assert.DoesNotContain(otherOwner.GetProperty("items").EnumerateArray(), a => a.GetProperty("alertId").GetInt64() == id);
        var judgements = await client.GetFromJsonAsync<JsonElement>($"/api/alerts/judgements?connector={connector}");
        Assert.Contains(judgements.GetProperty("items").EnumerateArray(),
            j => j.GetProperty("rule").GetString() == "consecutive_failures" && j.GetProperty("verdict").GetString() == "false_positive"
                && j.GetProperty("alerts").GetInt64() == 1);

        using var bad = await client.PostAsJsonAsync($"/api/alerts/{id}/feedback", new { verdict = "meh", by = "dana" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var missing = await client.PostAsJsonAsync($"/api/alerts/{long.MaxValue}/feedback", new { verdict = "fixed", by = "dana" });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static async Task<JsonElement> TestAsync(HttpClient client, object sample)
    {
        using var response = await client.PostAsJsonAsync("/api/routes/test", sample);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
