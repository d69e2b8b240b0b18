using System.Collections.Concurrent;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Operations.Broker;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace ConnectorHealth.IntegrationTests.Messaging;

/// <summary>A run-like message: its sequence number is its identity, so the consumer can count each one.</summary>
public sealed record ClusterProbe(int Sequence, bool Poison = false);

/// <summary>
/// <c>Messaging:QuorumQueues</c> on a real three-node RabbitMQ cluster, with the bus configured by <c>AddMessaging</c> as
/// every service's is (the cluster's nodes in <c>Messaging:ClusterNodes</c>, node 1 first, so the bus connects to node 1).
/// </summary>
[Collection(RabbitMQClusterCollection.Name)]
public sealed class QuorumQueueTests(RabbitMQCluster cluster, ITestOutputHelper output)
{
    private const int Messages = 2_000;

    public sealed class Consumed
    {
        public ConcurrentDictionary<int, int> Deliveries { get; } = new();
    }

    /// <summary>
    /// Takes batches as every consumer of the services does (<see cref="BatchConsumerDefinition{TConsumer}"/>: a
    /// per-consumer prefetch of whole batches), a few milliseconds a message, so a backlog is queued when a node dies.
    /// </summary>
    public sealed class ProbeConsumer(Consumed consumed) : IConsumer<Batch<ClusterProbe>>
    {
        public async Task Consume(ConsumeContext<Batch<ClusterProbe>> context)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5 * context.Message.Length), context.CancellationToken);
            foreach (var message in context.Message)
            {
                consumed.Deliveries.AddOrUpdate(message.Message.Sequence, 1, (_, n) => n + 1);
            }
        }
    }

    public sealed class PoisonConsumer(Consumed consumed) : IConsumer<ClusterProbe>
    {
        public Task Consume(ConsumeContext<ClusterProbe> context)
        {
            consumed.Deliveries.AddOrUpdate(context.Message.Sequence, 1, (_, n) => n + 1);
            return context.Message.Poison ? throw new InvalidDataException($"probe {context.Message.Sequence} is poison") : Task.CompletedTask;
        }
    }

    /// <summary>A replica's own queue, as the alerting service's live alert stream has one.</summary>
    public sealed class LiveProbeConsumer : IConsumer<ClusterProbe>
    {
        public Task Consume(ConsumeContext<ClusterProbe> context) => Task.CompletedTask;
    }

    private IHost BuildHost(string service, Consumed consumed, Action<IBusRegistrationConfigurator> consumers, bool quorumQueues = true)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration[$"ConnectionStrings:{ResourceNames.Messaging}"] = cluster.Uri.ToString();
        builder.Configuration["Messaging:QuorumQueues"] = quorumQueues ? "true" : "false";
        builder.Configuration["Messaging:ClusterNodes"] = cluster.ClusterNodes;
        builder.AddMessaging(service, consumers);
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        builder.Services.AddSingleton(consumed);
        return builder.Build();
    }

    [Fact]
    public async Task EveryMessageIsConsumedWhileAFollowerNodeAndThenTheQueueLeadersNodeAreKilled()
    {
        var consumed = new Consumed();
        const string service = "quorum-failover";
        var queue = new KebabCaseEndpointNameFormatter(service, includeNamespace: false).Consumer<ProbeConsumer>();
        using var host = BuildHost(service, consumed, bus => bus.AddConsumer<ProbeConsumer, BatchConsumerDefinition<ProbeConsumer>>());
        await host.StartAsync();
        var bus = host.Services.GetRequiredService<IBus>();
        Assert.Equal("quorum", cluster.QueueTypes()[queue]);

        // The bus's one connection is to node 1 (first of the cluster's nodes); the queue's leader is where it was declared.
        var leader = cluster.LeaderOf(queue, cluster.Nodes[0]);
        var follower = cluster.Nodes.First(n => n != leader && n != cluster.Nodes[0]);

        // 1. A follower that no client is connected to dies without warning (SIGKILL) while the first half is published
        // and the consumer works through the backlog.
        var published = new PublishProgress();
        var firstHalf = PublishAsync(bus, 0, Messages / 2, published);
        await Poll.UntilAsync(() => published.Confirmed >= Messages / 8, "the first messages confirmed");
        await cluster.KillAsync(follower);
        var publishedAtFollowerKill = published.Confirmed;
        await firstHalf;
        await cluster.StartAsync(follower);

        // 2. The node holding the queue's leader (node 1: a queue's first leader is on the node it was declared through,
        // the bus's) dies while the second half is published: a new leader is elected among the other two, and the bus
        // reconnects to the next node, where it goes on consuming, and publishing (each publish retried until confirmed).
        var secondHalf = PublishAsync(bus, Messages / 2, Messages, published);
        await Poll.UntilAsync(() => published.Confirmed >= Messages / 2 + Messages / 8, "the second half under way");
        await cluster.KillAsync(leader);
        var publishedAtLeaderKill = published.Confirmed;
        var backlogAtLeaderKill = publishedAtLeaderKill - consumed.Deliveries.Count;
        await secondHalf;
        var alive = cluster.Nodes.First(n => n != leader);
        var newLeader = await Poll.UntilFoundAsync(
            () => cluster.TryLeaderOf(queue, alive) is { } node && node != leader ? node : null, "a new leader for the queue", TimeSpan.FromSeconds(60));

        await Poll.UntilAsync(() => consumed.Deliveries.Count >= Messages,
            () => $"every message consumed ({consumed.Deliveries.Count} of {Messages} so far)", TimeSpan.FromSeconds(240));

        var duplicates = consumed.Deliveries.Values.Sum(n => n - 1);
        output.WriteLine(
            $"follower {follower.Name} killed at {publishedAtFollowerKill} confirmed; leader {leader.Name} killed at {publishedAtLeaderKill} "
            + $"confirmed, {backlogAtLeaderKill} not yet consumed; new leader {newLeader.Name}; {consumed.Deliveries.Count} distinct "
            + $"consumed, {duplicates} redelivered");
        Assert.Equal(Messages, published.Confirmed);
        Assert.True(backlogAtLeaderKill > 0, "messages were still queued or in flight when the leader's node died");
        Assert.NotEqual(leader.Name, newLeader.Name);
        Assert.Equal(Enumerable.Range(0, Messages), consumed.Deliveries.Keys.Order());
        // At least once: a batch delivered but not yet acknowledged when its node died comes again, and a publish retried
        // after a lost confirm is sent twice; nothing more.
        Assert.InRange(duplicates, 0, Messages);

        await host.StopAsync();
        await cluster.StartAsync(leader);
    }

    [Fact]
    public async Task APoisonMessageStillGoesToTheErrorQueueAndOnlyTheReplicasOwnQueueStaysClassic()
    {
        var consumed = new Consumed();
        const string service = "quorum-poison";
        var formatter = new KebabCaseEndpointNameFormatter(service, includeNamespace: false);
        var queue = formatter.Consumer<PoisonConsumer>();
        using var host = BuildHost(service, consumed, bus =>
        {
            bus.AddConsumer<PoisonConsumer>();
            bus.AddConsumer<LiveProbeConsumer>().Endpoint(endpoint =>
            {
                endpoint.InstanceId = Guid.NewGuid().ToString("N")[..12];
                endpoint.Temporary = true;
            });
        });
        await host.StartAsync();
        var bus = host.Services.GetRequiredService<IBus>();

        await bus.Publish(new ClusterProbe(1, Poison: true));
        await bus.Publish(new ClusterProbe(2));
        await Poll.UntilAsync(() => consumed.Deliveries.ContainsKey(2), "the healthy message behind the poison one");

        var errorQueue = QuorumQueues.ErrorQueue(queue);
        var inError = await Poll.UntilAsync(async () => await CountAsync(errorQueue) is var n and > 0 ? n : (uint?)null, "the poison message in the error queue");
        Assert.Equal(1u, inError);
        var types = cluster.QueueTypes();
        Assert.Equal("quorum", types[queue]);
        Assert.Equal("quorum", types[errorQueue]);
        var live = Assert.Single(types, t => t.Key.StartsWith(formatter.Consumer<LiveProbeConsumer>(), StringComparison.Ordinal));
        Assert.Equal("classic", live.Value);
        await host.StopAsync();
    }

    [Fact]
    public async Task AMessageReturnedUnsettledPastTheDeliveryLimitIsDeadLetteredToTheErrorQueueNotDropped()
    {
        const string service = "quorum-limit";
        var queue = new KebabCaseEndpointNameFormatter(service, includeNamespace: false).Consumer<PoisonConsumer>();
        using (var host = BuildHost(service, new Consumed(), bus => bus.AddConsumer<PoisonConsumer>()))
        {
            // Declares the queue and its error queue, as a service does; then no consumer is left on it.
            await host.StartAsync();
            await host.StopAsync();
        }

        await using var connection = await new ConnectionFactory { Uri = cluster.Uri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties { Persistent = true, MessageId = "held-and-lost" },
            "{}"u8.ToArray());
        // Each delivery taken and handed back unsettled, as when the consumer holding it is lost.
        var returns = 0;
        while (await channel.BasicGetAsync(queue, autoAck: false) is { } delivery)
        {
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true);
            returns++;
            Assert.True(returns <= QuorumQueues.DeliveryLimit + 1, "the message came back past the delivery limit");
        }

        var errorQueue = QuorumQueues.ErrorQueue(queue);
        var inError = await Poll.UntilAsync(async () => await CountAsync(errorQueue) is var n and > 0 ? n : (uint?)null, "the message in the error queue");
        Assert.Equal(1u, inError);
        var deadLetter = await channel.BasicGetAsync(errorQueue, autoAck: true);
        Assert.NotNull(deadLetter);
        Assert.Equal("held-and-lost", deadLetter.BasicProperties.MessageId);
        var listed = ErrorQueueDeadLetterStore.ToDeadLetter(errorQueue, new BrokerMessage(
            "held-and-lost", deadLetter.BasicProperties.Headers!.ToDictionary(h => h.Key, h => h.Value), deadLetter.Body.ToArray()));
        Assert.StartsWith($"Went back to its queue unsettled more than {QuorumQueues.DeliveryLimit} times", listed.Reason, StringComparison.Ordinal);
        output.WriteLine($"returned unsettled {returns} times, then dead-lettered to {errorQueue}: {listed.Reason}");
    }

    [Fact]
    public async Task ServiceWithQuorumQueuesOnRefusesToStartOverAClassicQueueOfTheSameNameAndNamesIt()
    {
        const string service = "quorum-migration";
        var queue = new KebabCaseEndpointNameFormatter(service, includeNamespace: false).Consumer<PoisonConsumer>();
        using (var classic = BuildHost(service, new Consumed(), bus => bus.AddConsumer<PoisonConsumer>(), quorumQueues: false))
        {
            await classic.StartAsync();
            await classic.StopAsync();
        }
        Assert.Equal("classic", cluster.QueueTypes()[queue]);

        using var quorum = BuildHost(service, new Consumed(), bus => bus.AddConsumer<PoisonConsumer>());
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => quorum.StartAsync());
        Assert.Contains($"'{queue}'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("inequivalent arg", refused.Message, StringComparison.Ordinal);
        Assert.Equal("classic", cluster.QueueTypes()[queue]);
    }

    private async Task<uint> CountAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = cluster.Uri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    /// <summary>Publishes probes <paramref name="from"/> to <paramref name="to"/>, fifty at a time, each retried until confirmed.</summary>
    private static async Task PublishAsync(IBus bus, int from, int to, PublishProgress progress)
    {
        foreach (var chunk in Enumerable.Range(from, to - from).Chunk(50))
        {
            await Task.WhenAll(chunk.Select(async sequence =>
            {
                var deadline = DateTime.UtcNow.AddMinutes(3);
                while (true)
                {
                    try
                    {
                        // MassTransit waits for the broker's publisher confirm before Publish completes.
                        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                        await bus.Publish(new ClusterProbe(sequence), timeout.Token);
                        progress.Confirm();
                        return;
                    }
                    catch (Exception) when (DateTime.UtcNow < deadline)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(500));
                    }
                }
            }));
        }
    }

    private sealed class PublishProgress
    {
        private int _confirmed;

        public int Confirmed => Volatile.Read(ref _confirmed);

        public void Confirm() => Interlocked.Increment(ref _confirmed);
    }
}
