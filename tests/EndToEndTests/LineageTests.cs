using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHealth.Contracts;
using Microsoft.Playwright;

namespace ConnectorHealth.EndToEndTests;

/// <summary>
/// A dbt-like pipeline reporting over OpenLineage with the reporter key, through the gateway, on the whole system: its
/// second day drops a column of its output, its third day fails one model. The drift event on the dataset, the failed
/// run with its parent, one incident with its downstream impact, and the rows per day are read back through the REST
/// API and the web UI.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class LineageTests(ConnectorHealthApp system)
{
    private const string Warehouse = "postgres://warehouse-e2e:5432";
    private const string Producer = "https://github.com/OpenLineage/OpenLineage/tree/1.52.0/integration/dbt";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task ADbtPipelineWhoseSecondDayDropsAColumnAndWhoseThirdDayFailsAModelIsOneIncidentWithItsImpactListed()
    {
        var ns = "dbt-e2e-" + Guid.NewGuid().ToString("N")[..6];
        var ordersJob = LineageNames.Connector(ns, "shop.public.orders");
        var totalsJob = LineageNames.Connector(ns, "shop.public.customer_totals");
        var ordersTable = $"shop.public.orders_{ns[^6..]}";
        var ordersKey = LineageNames.Dataset(Warehouse, ordersTable);
        using var reporter = ConnectorHealthApp.GatewayClient(system.App, key: "");
        reporter.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ConnectorHealthApp.ReporterKey);

        // One failure of the orders model is an incident; two earlier writes of the totals make its baseline.
        await PutRulesAsync(ordersJob, new { consecutiveFailures = 1 });
        await PutRulesAsync(totalsJob, new { volumeMinBaseline = 2 });

        JsonArray OrdersSchema(bool withCustomer) => new([
            .. new[] { ("id", "integer"), ("amount", "numeric(12,2)") }
                .Concat(withCustomer ? [("customer_id", "integer")] : [])
                .Concat([("created_at", "timestamp without time zone")])
                .Select(f => (JsonNode)new JsonObject { ["name"] = f.Item1, ["type"] = f.Item2 })]);

        var today = DateTimeOffset.UtcNow;
        var invocations = new List<Guid>();
        var ordersRuns = new List<Guid>();
        for (var day = 0; day < 3; day++)
        {
            var at = today.AddDays(day - 2).AddMinutes(-30);
            var invocation = Guid.CreateVersion7();
            var orders = Guid.CreateVersion7();
            var totals = Guid.CreateVersion7();
            invocations.Add(invocation);
            ordersRuns.Add(orders);
            var parent = Parent(invocation, ns, "dbt-run-shop");
            var ordersOutput = Dataset(ordersTable, OrdersSchema(withCustomer: day == 0), rows: 1_000 + day);
            var events = new List<JsonObject>
            {
                Event("START", invocation, ns, "dbt-run-shop", at, null),
                Event("START", orders, ns, "shop.public.orders", at.AddSeconds(1), parent, outputs: [ordersOutput]),
            };
            if (day < 2)
            {
                events.Add(Event("COMPLETE", orders, ns, "shop.public.orders", at.AddSeconds(5), parent, outputs: [ordersOutput]));
                events.Add(Event("START", totals, ns, "shop.public.customer_totals", at.AddSeconds(6), parent,
                    inputs: [Dataset(ordersTable, null, null)], outputs: [Dataset("shop.public.customer_totals", null, 200 + day)]));
                events.Add(Event("COMPLETE", totals, ns, "shop.public.customer_totals", at.AddSeconds(9), parent,
                    inputs: [Dataset(ordersTable, null, null)], outputs: [Dataset("shop.public.customer_totals", null, 200 + day)]));
                events.Add(Event("COMPLETE", invocation, ns, "dbt-run-shop", at.AddSeconds(10), null));
            }
            else
            {
                events.Add(Event("FAIL", orders, ns, "shop.public.orders", at.AddSeconds(5), parent, outputs: [ordersOutput],
                    error: "Database Error in model orders: relation \"raw.orders\" does not exist"));
                events.Add(Event("FAIL", invocation, ns, "dbt-run-shop", at.AddSeconds(10), null, error: "dbt exited with code 1"));
            }
            using var response = await reporter.PostAsync("/api/v1/lineage/batch", Body(new JsonArray([.. events])));
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(response.StatusCode == HttpStatusCode.OK && answer.GetProperty("status").GetString() == "success", answer.ToString());
        }

        // Day 2 dropped customer_id from the orders table: a breaking drift event on the dataset, not on the job's payload.
        var drift = await Poll.UntilAsync(async () =>
        {
            var page = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/drift-events?dataset={Uri.EscapeDataString(ordersKey)}");
            return page.GetProperty("items").EnumerateArray().Select(e => (JsonElement?)e).FirstOrDefault();
        }, "the drift event on the orders dataset");
        Assert.True(drift.GetProperty("breaking").GetBoolean());
        Assert.Contains(drift.GetProperty("changes").EnumerateArray(),
            c => c.GetProperty("path").GetString() == "$.customer_id" && c.GetProperty("kind").GetString() == "field_removed");
        Assert.Equal(ordersKey, drift.GetProperty("dataset").GetProperty("key").GetString());

        // Day 3's failed model, with the invocation it ran in.
        var failed = await Poll.UntilAsync(async () =>
        {
            using var response = await system.Gateway.GetAsync($"/api/runs/{ordersRuns[2]}");
            return response.IsSuccessStatusCode ? (JsonElement?)await response.Content.ReadFromJsonAsync<JsonElement>() : null;
        }, "day 3's failed orders run");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("relation", failed.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        var lineage = failed.GetProperty("lineage");
        Assert.Equal((ns, "shop.public.orders"), (lineage.GetProperty("jobNamespace").GetString(), lineage.GetProperty("jobName").GetString()));
        Assert.Equal(invocations[2], lineage.GetProperty("parent").GetProperty("runId").GetGuid());
        var children = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/runs?parent={invocations[2]}");
        Assert.Equal(ordersRuns[2], Assert.Single(children.GetProperty("items").EnumerateArray()).GetProperty("runId").GetGuid());

        // The incident: the orders failure. The totals then write nothing from the orders they could not read.
        var incident = await Poll.UntilAsync(async () =>
        {
            var page = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/alerts?connector={ordersJob}&rule=consecutive_failures&state=firing");
            return page.GetProperty("items").EnumerateArray().Select(a => (JsonElement?)a).FirstOrDefault();
        }, "the orders failure alert");
        var incidentId = incident.GetProperty("alertId").GetInt64();
        var emptyTotals = Guid.CreateVersion7();
        var late = today.AddMinutes(-10);
        using (var response = await reporter.PostAsync("/api/v1/lineage/batch", Body(new JsonArray(
            Event("START", emptyTotals, ns, "shop.public.customer_totals", late, null, inputs: [Dataset(ordersTable, null, null)]),
            Event("COMPLETE", emptyTotals, ns, "shop.public.customer_totals", late.AddSeconds(2), null,
                inputs: [Dataset(ordersTable, null, null)], outputs: [Dataset("shop.public.customer_totals", null, 0)])))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var volume = await Poll.UntilAsync(async () =>
        {
            var page = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/alerts?connector={totalsJob}&rule=volume");
            return page.GetProperty("items").EnumerateArray().Select(a => (JsonElement?)a).FirstOrDefault();
        }, "the totals volume alert");
        Assert.Equal(incidentId, volume.GetProperty("causedBy").GetInt64());
        var withImpact = await Poll.UntilAsync(async () =>
        {
            var detail = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/alerts/{incidentId}");
            var alert = detail.GetProperty("alert");
            return alert.TryGetProperty("impact", out var impact) && impact.ValueKind == JsonValueKind.Array && impact.GetArrayLength() > 0
                ? (JsonElement?)impact
                : null;
        }, "the incident's impact");
        var caused = Assert.Single(withImpact.EnumerateArray());
        Assert.Equal((totalsJob, "volume"), (caused.GetProperty("connector").GetString(), caused.GetProperty("rule").GetString()));
        // One incident: every alert downstream is the failure's, and the orders job's other alert is day 2's drift of its table.
        var totalsAlerts = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/alerts?connector={totalsJob}&state=firing");
        Assert.All(totalsAlerts.GetProperty("items").EnumerateArray(), a => Assert.Equal(incidentId, a.GetProperty("causedBy").GetInt64()));
        // The drift alert follows the drift event through the broker: wait for it.
        var ordersAlerts = await Poll.UntilAsync(
            () => system.Gateway.GetFromJsonAsync<JsonElement>($"/api/alerts?connector={ordersJob}&state=firing"),
            alerts => alerts.GetProperty("items").GetArrayLength() >= 2, alerts => $"the orders job's drift alert beside its failure: {alerts}");
        Assert.Equal(["consecutive_failures", "schema_drift"],
            ordersAlerts.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("rule").GetString()!).Order(StringComparer.Ordinal));
        var driftAlert = ordersAlerts.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("rule").GetString() == "schema_drift");
        Assert.Equal(ordersKey, driftAlert.GetProperty("dataset").GetProperty("key").GetString());

        // Rows per day of the orders table: one write on each of the three days.
        var rows = await Poll.UntilFoundAsync(async () =>
        {
            var report = await system.Gateway.GetFromJsonAsync<JsonElement>(
                $"/api/kpis/datasets/{Uri.EscapeDataString(ordersKey)}/daily?from={today.AddDays(-3):yyyy-MM-dd}");
            var items = report.GetProperty("items").EnumerateArray().ToList();
            return items.Count >= 2 ? items : null;
        }, "the orders table's rows per day");
        Assert.Contains(rows, d => d.GetProperty("rows").GetInt64() == 1_000);
        Assert.Contains(rows, d => d.GetProperty("rows").GetInt64() == 1_001);

        // The web UI: the dataset's page with its volume, schema history and drift; the failed run with its parent.
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(WebUiBrowser.Options);
        var page = await browser.NewPageAsync();
        var web = system.App.GetEndpoint(ConnectorHealth.ServiceDefaults.ResourceNames.WebUi, "http");
        await page.GotoAsync(new Uri(web, $"/datasets/{Uri.EscapeDataString(ordersKey)}").ToString());
        await Assertions.Expect(page.Locator("[data-testid=dataset-day][data-rows='1000']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=drift-event][data-breaking=true]").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=dataset-field][data-path='$.amount']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=lineage-downstream] [data-testid=lineage-job]")).ToContainTextAsync(totalsJob);
        await page.GotoAsync(new Uri(web, $"/runs/{ordersRuns[2]}").ToString());
        await Assertions.Expect(page.Locator("[data-testid=job-namespace]")).ToHaveTextAsync(ns);
        await Assertions.Expect(page.Locator("[data-testid=parent-run] a").First).ToHaveAttributeAsync("href", $"/runs/{invocations[2]}");
        await page.GotoAsync(new Uri(web, $"/alerts/{incidentId}").ToString());
        await Assertions.Expect(page.Locator("[data-testid=alert-impact]")).ToContainTextAsync(totalsJob);
    }

    private async Task PutRulesAsync(string connector, object rules)
    {
        using var response = await system.Gateway.PutAsJsonAsync($"/api/rules/{connector}", rules);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static StringContent Body(JsonNode node) => new(node.ToJsonString(), Encoding.UTF8, "application/json");

    private static JsonObject Facet(string name, JsonObject body)
    {
        body["_producer"] = Producer;
        body["_schemaURL"] = $"https://openlineage.io/spec/facets/1-0-0/{name}.json#/$defs/{name}";
        return body;
    }

    private static JsonObject Parent(Guid runId, string ns, string name) => Facet("ParentRunFacet", new JsonObject
    {
        ["run"] = new JsonObject { ["runId"] = runId.ToString() },
        ["job"] = new JsonObject { ["namespace"] = ns, ["name"] = name },
    });

    private static JsonObject Dataset(string name, JsonArray? schema, long? rows)
    {
        var dataset = new JsonObject { ["namespace"] = Warehouse, ["name"] = name, ["facets"] = new JsonObject() };
        if (schema is not null)
        {
            dataset["facets"]!["schema"] = Facet("SchemaDatasetFacet", new JsonObject { ["fields"] = schema.DeepClone() });
        }
        if (rows is { } count)
        {
            dataset["outputFacets"] = new JsonObject { ["outputStatistics"] = Facet("OutputStatisticsOutputDatasetFacet", new JsonObject { ["rowCount"] = count }) };
        }
        return dataset;
    }

    private static JsonObject Event(
        string type, Guid runId, string ns, string job, DateTimeOffset at, JsonObject? parent,
        JsonObject[]? inputs = null, JsonObject[]? outputs = null, string? error = null)
    {
        var runFacets = new JsonObject();
        if (parent is not null)
        {
            runFacets["parent"] = parent.DeepClone();
        }
        if (error is not null)
        {
            runFacets["errorMessage"] = Facet("ErrorMessageRunFacet", new JsonObject { ["message"] = error, ["programmingLanguage"] = "sql" });
        }
        return new JsonObject
        {
            ["eventType"] = type,
            ["eventTime"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["producer"] = Producer,
            ["schemaURL"] = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            ["run"] = new JsonObject { ["runId"] = runId.ToString(), ["facets"] = runFacets },
            ["job"] = new JsonObject
            {
                ["namespace"] = ns,
                ["name"] = job,
                ["facets"] = new JsonObject
                {
                    ["jobType"] = Facet("JobTypeJobFacet", new JsonObject { ["processingType"] = "BATCH", ["integration"] = "DBT", ["jobType"] = job.StartsWith("dbt-run", StringComparison.Ordinal) ? "JOB" : "MODEL" }),
                },
            },
            ["inputs"] = new JsonArray([.. (inputs ?? []).Select(i => (JsonNode)i.DeepClone())]),
            ["outputs"] = new JsonArray([.. (outputs ?? []).Select(o => (JsonNode)o.DeepClone())]),
        };
    }
}
