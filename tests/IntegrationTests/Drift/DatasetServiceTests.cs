using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift;
using ConnectorHealth.IntegrationTests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using static ConnectorHealth.IntegrationTests.Drift.DatasetLineage;

namespace ConnectorHealth.IntegrationTests.Drift;

/// <summary>
/// The real Drift service on real RabbitMQ and PostgreSQL taking datasets' schemas from RunInProgress and RunCompleted,
/// publishing SchemaDriftDetected with the dataset named, and serving the datasets API.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class DatasetServiceTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private const string DriftExchange = "ConnectorHealth.Contracts:SchemaDriftDetected";
    private ServiceHost<DriftOptions> _service = null!;

    public async Task InitializeAsync()
    {
        var database = await postgres.CreateDatabaseConnectionStringAsync("drift_datasets");
        _service = new ServiceHost<DriftOptions>(database, rabbit.Uri);
        _ = _service.Services;
    }

    public async Task DisposeAsync() => await _service.DisposeAsync();

    [Fact]
    public async Task ADatasetSeenInProgressThenCompletedAndThenDroppingAColumnIsServedAndPublished()
    {
        var name = $"analytics.orders_{Guid.NewGuid():N}"[..30];
        var key = Dataset(name, null).Key;
        var start = DateTimeOffset.UtcNow.AddHours(-3);

        await using var connection = await new ConnectionFactory { Uri = rabbit.Uri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(DriftExchange, ExchangeType.Fanout, durable: true);
        var listen = (await channel.QueueDeclareAsync($"drift-test-{Guid.NewGuid():N}", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(listen, DriftExchange, "");

        var bus = _service.Services.GetRequiredService<IBus>();
        var client = _service.CreateClient();
        var firstRun = Guid.CreateVersion7();
        await bus.Publish(InProgress("orders_model", firstRun, start, [Dataset(name, Orders)]));
        var dataset = await Poll.UntilAsync(async () =>
        {
            var response = await client.GetAsync($"/api/datasets/{key}");
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : (JsonElement?)null;
        }, "the dataset's first version from the run in progress");
        Assert.Equal((1, name, LineageNames.Connector(JobNamespace, "orders_model")),
            (dataset.GetProperty("currentVersion").GetInt32(), dataset.GetProperty("name").GetString(), dataset.GetProperty("lastJob").GetString()));
        Assert.Equal(Orders.Length, dataset.GetProperty("fields").GetArrayLength());

        // The same run completed (twice): one observation of the run; the completion is recorded for the job.
        var completed = Completed("orders_model", start.AddMinutes(5), [Dataset(name, Orders)], firstRun);
        await bus.Publish(completed);
        await bus.Publish(completed);
        var dropped = Completed("orders_model", start.AddHours(1), [Dataset(name, Orders.Where(f => f.Name != "status").ToArray())]);
        await bus.Publish(dropped);

        var events = await Poll.UntilAsync(async () =>
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"/api/drift-events?dataset={key}");
            var items = page.GetProperty("items");
            return items.GetArrayLength() > 0 ? items : (JsonElement?)null;
        }, "the dataset's drift event");
        var item = Assert.Single(events.EnumerateArray());
        Assert.Equal(dropped.RunId, item.GetProperty("runId").GetGuid());
        Assert.Equal(dropped.Connector, item.GetProperty("connector").GetString());
        Assert.Equal(key, item.GetProperty("dataset").GetProperty("key").GetString());
        Assert.True(item.GetProperty("breaking").GetBoolean());

        var message = await Poll.UntilAsync(async () =>
        {
            while (await channel.BasicGetAsync(listen, autoAck: true) is { } delivered)
            {
                using var envelope = JsonDocument.Parse(delivered.Body);
                var drift = envelope.RootElement.GetProperty("message").Clone();
                if (drift.TryGetProperty("dataset", out var named) && named.GetProperty("key").GetString() == key)
                {
                    return drift;
                }
            }
            return (JsonElement?)null;
        }, "SchemaDriftDetected for the dataset");
        Assert.Equal((dropped.Connector, name), (message.GetProperty("connector").GetString(), message.GetProperty("dataset").GetProperty("name").GetString()));

        var list = await client.GetFromJsonAsync<JsonElement>("/api/datasets");
        var listed = list.GetProperty("items").EnumerateArray().Single(d => d.GetProperty("key").GetString() == key);
        Assert.Equal((2, Orders.Length - 1), (listed.GetProperty("currentVersion").GetInt32(), listed.GetProperty("fieldCount").GetInt32()));
        var history = await client.GetFromJsonAsync<JsonElement>($"/api/datasets/{key}");
        Assert.Equal([1L, 1L], history.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("runCount").GetInt64()));
        var diff = await client.GetFromJsonAsync<JsonElement>($"/api/datasets/{key}/diff?from=1&to=2");
        Assert.Equal("field_removed", Assert.Single(diff.GetProperty("changes").EnumerateArray()).GetProperty("kind").GetString());
        var version = await client.GetFromJsonAsync<JsonElement>($"/api/datasets/{key}/versions/1");
        Assert.Contains(version.GetProperty("fields").EnumerateArray(),
            f => f.GetProperty("path").GetString() == "$.ordered_at" && f.GetProperty("detail").GetString() == "date-time");

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/datasets/not_a_key")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/datasets/nowhere~nothing")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/datasets/{key}/versions/9")).StatusCode);
        var notFound = await client.GetAsync("/api/datasets/nowhere~nothing");
        Assert.Equal("application/problem+json", notFound.Content.Headers.ContentType?.MediaType);
        // The connectors' schema list holds no dataset.
        var schemas = await client.GetFromJsonAsync<JsonElement>("/api/schemas");
        Assert.DoesNotContain(schemas.GetProperty("items").EnumerateArray(), s => s.GetProperty("connector").GetString()!.Contains('~'));
    }
}
