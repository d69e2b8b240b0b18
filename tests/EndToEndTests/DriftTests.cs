using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace ConnectorHealth.EndToEndTests;

/// <summary>
/// Schema drift through the whole system: simulated connectors run (scheduled and on demand), the runner publishes,
/// the drift service keeps the history, and the gateway answers with versions, classified changes and drift events.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class DriftTests(ConnectorHealthApp system)
{
    [Fact]
    public async Task SchemaChangerYieldsTwoVersionsAndDriftEventsThatNameTheFieldsAndRecogniseReverts()
    {
        await RunAsync("schema_changer", 24);

        var schema = await system.Gateway.GetFromJsonAsync<JsonElement>("/api/schemas/schema_changer");
        var versions = schema.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal([1, 2], versions.Select(v => v.GetProperty("version").GetInt32()));

        var events = await EventsAsync("schema_changer");
        Assert.True(events.Count >= 2, $"Only {events.Count} drift events.");
        var first = events[0];
        Assert.Equal(("new_version", 1, 2), (first.GetProperty("kind").GetString(), first.GetProperty("fromVersion").GetInt32(), first.GetProperty("toVersion").GetInt32()));
        var changes = Changes(first);
        var shape1 = new[] { "$.value" };
        var shape2 = new[] { "$.amount", "$.currency" };
        var added = changes.Where(c => c.Kind == "field_added").Select(c => c.Path).Order().ToArray();
        var removed = changes.Where(c => c.Kind == "field_removed").Select(c => c.Path).Order().ToArray();
        Assert.True((added.SequenceEqual(shape2) && removed.SequenceEqual(shape1)) || (added.SequenceEqual(shape1) && removed.SequenceEqual(shape2)),
            $"added {string.Join(",", added)}, removed {string.Join(",", removed)}");
        Assert.Contains("added ", first.GetProperty("summary").GetString(), StringComparison.Ordinal);

        var second = events[1];
        Assert.Equal(("reverted", 2, 1), (second.GetProperty("kind").GetString(), second.GetProperty("fromVersion").GetInt32(), second.GetProperty("toVersion").GetInt32()));
        Assert.Contains("reverted to v1", second.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.All(events.Skip(1), e => Assert.Equal("reverted", e.GetProperty("kind").GetString()));

        if (events.Count >= 3)
        {
            // Flip-flopping between the two known versions is one ongoing condition.
            Assert.True(schema.GetProperty("oscillation").GetProperty("ongoing").GetBoolean());
            Assert.Equal([1, 2], schema.GetProperty("oscillation").GetProperty("between").EnumerateArray().Select(v => v.GetInt32()));
        }

        var diff = await system.Gateway.GetFromJsonAsync<JsonElement>("/api/schemas/schema_changer/diff?from=1&to=2&mode=forward");
        Assert.Equal("forward", diff.GetProperty("compatibility").GetString());
        Assert.True(diff.GetProperty("breaking").GetBoolean());
        Assert.Equal(3, diff.GetProperty("changes").GetArrayLength());
    }

    [Fact]
    public async Task NestedTypeChangesAreClassifiedAtTheirNestedPaths()
    {
        await RunAsync("nested_types_api", 30);

        var events = await EventsAsync("nested_types_api");
        var change = events.First();
        var typeChanged = Changes(change).Where(c => c.Kind == "type_changed").Select(c => c.Path).ToHashSet();
        Assert.Superset(new HashSet<string> { "$.order.id", "$.order.total", "$.order.lines[].qty", "$.customer.id" }, typeChanged);
        Assert.Equal(4, typeChanged.Count);
        Assert.True(change.GetProperty("breaking").GetBoolean());

        var version = await system.Gateway.GetFromJsonAsync<JsonElement>("/api/schemas/nested_types_api/versions/1");
        var paths = version.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("path").GetString()).ToList();
        Assert.Contains("$.order.lines[].sku", paths);
    }

    [Fact]
    public async Task AFieldTurningNullIsReportedAsBecomingNullable()
    {
        await RunAsync("nulling_field_api", 40);

        var events = await EventsAsync("nulling_field_api");
        var becameNullable = events.SelectMany(Changes).Where(c => c.Kind == "became_nullable").Select(c => c.Path).Distinct().ToList();
        Assert.Equal(["$.email"], becameNullable);
        var stoppedBeingNullable = events.SelectMany(Changes).Where(c => c.Kind == "stopped_being_nullable").Select(c => c.Path).Distinct().ToList();
        // Seen only as null the field has no type yet: getting it back is not a change.
        Assert.Empty(stoppedBeingNullable);
        Assert.DoesNotContain(events.SelectMany(Changes), c => c.Kind is "type_changed" or "field_added" or "field_removed");
    }

    [Fact]
    public async Task TheFirstVersionsSchemaViewShowsTheCurrentTopLevelKeys()
    {
        await RunAsync("good_api", 1);

        await using var database = NpgsqlDataSource.Create((await system.DatabaseConnectionStringAsync())!);
        await using var command = database.CreateCommand("SELECT schema_keys FROM raw.connector_schema WHERE connector_name = 'good_api'");
        Assert.Equal(["user_id", "value", "version"], (string[])(await command.ExecuteScalarAsync())!);
    }

    /// <summary>Runs a connector now <paramref name="times"/> times and waits until the drift service has every run.</summary>
    private async Task RunAsync(string connector, int times)
    {
        var runIds = await GatewayCalls.RunNowAsync(system.Gateway, connector, times);

        await using var database = NpgsqlDataSource.Create((await system.DatabaseConnectionStringAsync())!);
        await Poll.UntilAsync(async () =>
        {
            await using var command = database.CreateCommand("SELECT count(*) FROM drift.runs WHERE run_id = ANY($1)");
            command.Parameters.AddWithValue(runIds.ToArray());
            return (long)(await command.ExecuteScalarAsync())! == runIds.Count;
        }, $"the drift service to take in {times} runs of {connector}");
    }

    /// <summary>A connector's drift events, oldest first.</summary>
    private async Task<List<JsonElement>> EventsAsync(string connector)
    {
        var page = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/drift-events?connector={connector}&limit=500");
        return page.GetProperty("items").EnumerateArray().Reverse().ToList();
    }

    private static IEnumerable<(string Path, string Kind)> Changes(JsonElement driftEvent) =>
        driftEvent.GetProperty("changes").EnumerateArray()
            .Select(c => (c.GetProperty("path").GetString()!, c.GetProperty("kind").GetString()!));
}
