using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ConnectorHealth.EndToEndTests;

/// <summary>
/// Alerts through the whole system: the default catalog's connectors run, the alerting service applies its rules to
/// their runs and to the drift service's events, and the gateway serves a short, readable alert list with its lifecycle.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class AlertingTests(ConnectorHealthApp system)
{
    [Fact]
    public async Task TheDefaultCatalogGivesAShortListOfAlertsWithCountsAndWhatToDo()
    {
        // The auth-failing connector fails every run: three in a row is its alert.
        await GatewayCalls.RunNowAsync(system.Gateway, "auth_failing_api", 3);
        var auth = await FiringAsync("auth_failing_api", "consecutive_failures");
        Assert.Equal("critical", auth.GetProperty("severity").GetString());
        Assert.True(auth.GetProperty("occurrences").GetInt32() >= 3);
        Assert.Contains("credential", auth.GetProperty("recommendedAction").GetString(), StringComparison.OrdinalIgnoreCase);

        // Run again: the same alert counts more, no second alert.
        await GatewayCalls.RunNowAsync(system.Gateway, "auth_failing_api", 2);
        await Poll.UntilAsync(async () => (await FiringAsync("auth_failing_api", "consecutive_failures")).GetProperty("occurrences").GetInt32() >= 5,
            "the repeat counted on the open alert");
        var open = (await AlertsAsync("?connector=auth_failing_api&rule=consecutive_failures"))
            .Where(a => a.GetProperty("state").GetString() != "resolved").ToList();
        Assert.Single(open);

        // The schema changer's drift.
        await GatewayCalls.RunNowAsync(system.Gateway, "schema_changer", 16);
        var drift = await FiringAsync("schema_changer", "schema_drift");
        Assert.Contains("Update mapping/contract", drift.GetProperty("recommendedAction").GetString(), StringComparison.Ordinal);

        // A handful of alerts for the default catalog, not hundreds: every open alert is one condition of one connector. Only
        // the catalog's connectors count: other tests on this shared system report connectors of their own, which fail on purpose.
        var catalog = (await system.Gateway.GetFromJsonAsync<JsonElement>("/api/connectors?limit=500")).GetProperty("items").EnumerateArray()
            .Select(c => c.GetProperty("name").GetString()).ToHashSet();
        var all = await AlertsAsync("?limit=500");
        var openAlerts = all.Where(a => a.GetProperty("state").GetString() != "resolved" && catalog.Contains(a.GetProperty("connector").GetString())).ToList();
        Assert.Contains(openAlerts, a => a.GetProperty("connector").GetString() == "auth_failing_api");
        Assert.True(openAlerts.Count <= 25, $"{openAlerts.Count} open alerts: " + string.Join(", ",
            openAlerts.Select(a => $"{a.GetProperty("connector").GetString()}/{a.GetProperty("rule").GetString()}")));
        Assert.All(all, a => Assert.False(string.IsNullOrWhiteSpace(a.GetProperty("recommendedAction").GetString())));

        var detail = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/alerts/{auth.GetProperty("alertId").GetInt64()}");
        Assert.True(detail.GetProperty("occurrences").GetArrayLength() >= 5);
    }

    [Fact]
    public async Task AConnectorThatStopsReportingRaisesItsFreshnessAlertWhichCanBeAcknowledgedAndResolved()
    {
        var connector = $"fresh_{Guid.NewGuid():N}"[..16];
        var report = JsonSerializer.Serialize(new
        {
            runId = Guid.CreateVersion7(),
            connector,
            status = "succeeded",
            startedAt = DateTimeOffset.UtcNow.AddSeconds(-2),
            finishedAt = DateTimeOffset.UtcNow.AddSeconds(-1),
            expectedInterval = "00:00:05",
            payload = new { id = 1 },
        });
        using var accepted = await system.Gateway.PostAsync("/api/runs", new StringContent(report, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        // No more runs: stale after 3 × 5 s, found by the periodic evaluation without any message arriving.
        var stale = await FiringAsync(connector, "freshness");
        Assert.Equal("warning", stale.GetProperty("severity").GetString());
        var id = stale.GetProperty("alertId").GetInt64();

        using var ack = await system.Gateway.PostAsJsonAsync($"/api/alerts/{id}/ack", new { by = "e2e" });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal("acknowledged", (await ack.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("alert").GetProperty("state").GetString());

        using var resolve = await system.Gateway.PostAsync($"/api/alerts/{id}/resolve", null);
        Assert.Equal(HttpStatusCode.OK, resolve.StatusCode);
        using var again = await system.Gateway.PostAsync($"/api/alerts/{id}/resolve", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task SilencesAreCreatedListedAndEnded()
    {
        var connector = $"silenced_{Guid.NewGuid():N}"[..18];
        using var created = await system.Gateway.PostAsJsonAsync("/api/silences", new
        {
            connector,
            endsAt = DateTimeOffset.UtcNow.AddHours(1),
            author = "e2e",
            comment = "maintenance window",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var silence = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = silence.GetProperty("id").GetGuid();

        var listed = await system.Gateway.GetFromJsonAsync<JsonElement>("/api/silences");
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetGuid() == id);

        using var ended = await system.Gateway.DeleteAsync($"/api/silences/{id}");
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        listed = await system.Gateway.GetFromJsonAsync<JsonElement>("/api/silences");
        Assert.DoesNotContain(listed.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetGuid() == id);

        using var noMatcher = await system.Gateway.PostAsJsonAsync("/api/silences", new { endsAt = DateTimeOffset.UtcNow.AddHours(1), author = "e2e", comment = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, noMatcher.StatusCode);
    }

    /// <summary>The connector's open alert of a rule (firing, or acknowledged — other tests on the shared system may ack it).</summary>
    private async Task<JsonElement> FiringAsync(string connector, string rule) =>
        await Poll.UntilAsync<JsonElement>(async () =>
            (await AlertsAsync($"?connector={connector}&rule={rule}")).Where(a => a.GetProperty("state").GetString() != "resolved")
                .Cast<JsonElement?>().FirstOrDefault(),
            $"an open {rule} alert for {connector}", TimeSpan.FromSeconds(120));

    private async Task<List<JsonElement>> AlertsAsync(string query)
    {
        var page = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/alerts{query}");
        return page.GetProperty("items").EnumerateArray().ToList();
    }
}
