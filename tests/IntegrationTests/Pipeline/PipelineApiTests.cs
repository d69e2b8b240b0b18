using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.Operations.PipelineHealth;
using ConnectorHealth.Operations.SystemStatus;
using ConnectorHealth.ServiceDefaults;
using HealthChecks.UI.Core;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ConnectorHealth.IntegrationTests.Pipeline;

public sealed record PoisonPill(Guid RunId, string Connector);

public sealed class PoisonPillConsumer : IConsumer<PoisonPill>
{
    public static volatile bool Failing = true;

    public Task Consume(ConsumeContext<PoisonPill> context) =>
        Failing ? throw new InvalidOperationException($"Cannot take {context.Message.Connector}") : Task.CompletedTask;
}

/// <summary>
/// A service composed as the real ones are (service defaults, AddMessaging, AddOperations, MapOperations) against the real broker:
/// a consumer's poison messages reach its error queue, make the service Degraded, are listed and re-driven.
/// </summary>
[Collection(RabbitMQCollection.Name)]
public sealed class PipelineApiTests(RabbitMQServer rabbit) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _service = $"pt{Guid.NewGuid():N}"[..12];
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        PoisonPillConsumer.Failing = true;
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration["ConnectionStrings:messaging"] = rabbit.Uri.ToString();
        builder.Configuration["Pipeline:SampleInterval"] = "00:00:00.200";
        builder.AddServiceDefaults();
        builder.AddMessaging(_service, bus => bus.AddConsumer<PoisonPillConsumer>());
        builder.AddOperations(_service);

        _app = builder.Build();
        _app.MapDefaultEndpoints();
        _app.MapOperations();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task PoisonMessagesDegradeTheServiceAreListedAndAreRedrivenByIdAndAll()
    {
        var ready = await PollAsync(State, s => s.Queues is [{ Consumers: 1 }]);
        var queue = ready.Queues[0].Name;
        Assert.StartsWith(_service + "-", queue);
        Assert.Equal([new DeadLetterStoreState(queue + "_error", 0)], ready.DeadLetters);
        await PollAsync(Health, h => h.Status == UIHealthStatus.Healthy);

        var bus = _app.Services.GetRequiredService<IBus>();
        var runs = new[] { Guid.NewGuid(), Guid.NewGuid() };
        foreach (var run in runs)
        {
            await bus.Publish(new PoisonPill(run, "poisoned_api"));
        }

        await PollAsync(State, s => s.DeadLetters.Single().Count == 2);
        // Health reads the sampled count, which may lag the broker's by a sample: wait until it has seen both.
        var health = await PollAsync(Health, h => h.Status == UIHealthStatus.Degraded
            && h.Entries.TryGetValue(DeadLetterGrowthHealthCheck.Name, out var entry) && entry.Description?.Contains("(2 waiting)", StringComparison.Ordinal) == true);
        var growth = health.Entries[DeadLetterGrowthHealthCheck.Name];
        Assert.Equal(
            $"{queue}_error grew by 2 in the last 45 s (2 waiting); re-drive with POST /api/system/{_service}/dead-letters/redrive",
            growth.Description);
        var degraded = await State();
        Assert.Equal("degraded", degraded.Status);
        Assert.Contains(degraded.Reasons, r => r.Contains("grew by 2", StringComparison.Ordinal));

        var badLimit = await _client.GetAsync($"/api/system/{_service}/dead-letters?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.True((await badLimit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("limit", out _));

        var letters = (await _client.GetFromJsonAsync<DeadLetterList>($"/api/system/{_service}/dead-letters?limit=10"))!.Items;
        Assert.Equal(runs.Order(), letters.Select(l => l.RunId!.Value).Order());
        Assert.All(letters, l =>
        {
            Assert.Equal("poisoned_api", l.Connector);
            Assert.Equal("Cannot take poisoned_api", l.Reason);
            Assert.Equal(queue + "_error", l.Store);
            Assert.NotNull(l.FailedAt);
        });

        PoisonPillConsumer.Failing = false;
        var one = await _client.PostAsJsonAsync($"/api/system/{_service}/dead-letters/redrive", new RedriveRequest([letters[0].Id]));
        Assert.Equal(new RedriveResult(1), await one.Content.ReadFromJsonAsync<RedriveResult>());
        var rest = await _client.PostAsync($"/api/system/{_service}/dead-letters/redrive", null);
        Assert.Equal(new RedriveResult(1), await rest.Content.ReadFromJsonAsync<RedriveResult>());

        var drained = await PollAsync(State, s => s.DeadLetters.Single().Count == 0 && s.Queues[0].Messages == 0 && s.Queues[0].LastConsumedAt is not null);
        Assert.Equal(0, drained.Queues[0].LagSeconds);
    }

    private async Task<ServiceState> State() => (await _client.GetFromJsonAsync<ServiceState>($"/api/system/{_service}"))!;

    private async Task<UIHealthReport> Health()
    {
        using var response = await _client.GetAsync("/health");
        return (await HealthReportJson.ReadAsync(response.Content))!;
    }

    private static Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done) =>
        Poll.UntilAsync(read, done, last => $"the awaited state (last seen: {JsonSerializer.Serialize(last)})", Patience);
}
