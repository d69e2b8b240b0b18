using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using ConnectorHealth.AppHost.Infrastructure;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.IntegrationTests.Messaging;

/// <summary>
/// The AppHost's local mode with <c>Infrastructure:Local:RabbitMQNodes=3</c>, its broker only (the services, the gateway,
/// the web UI and PostgreSQL are taken out of the model before it runs), on ports in 56000–56999 and throw-away data.
/// </summary>
public sealed class LocalRabbitMQClusterTests
{
    [Fact]
    public async Task TheAppHostRunsThreeRabbitMQNodesJoinedIntoOneCluster()
    {
        var data = TestDirectories.Create("apphost-cluster");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        try
        {
            // epmd, PostgreSQL (initdb runs while the model is built), then the nodes' AMQP and distribution ports.
            var first = RabbitMQCluster.FreeRange(56000, 56999, 8);
            var options = new LocalOptions { EpmdPort = first, PostgresPort = first + 1, RabbitMQPort = first + 2, RabbitMQDistPort = first + 3, RabbitMQNodes = 3 };
            var entryPoint = typeof(LocalOptions).Assembly.EntryPoint!.DeclaringType!;
            var builder = await DistributedApplicationTestingBuilder.CreateAsync(entryPoint,
                [
                    "--Infrastructure:Mode=local",
                    $"--Infrastructure:Local:DataDirectory={data}",
                    $"--Infrastructure:Local:EpmdPort={options.EpmdPort}",
                    $"--Infrastructure:Local:PostgresPort={options.PostgresPort}",
                    $"--Infrastructure:Local:RabbitMQPort={options.RabbitMQPort}",
                    $"--Infrastructure:Local:RabbitMQDistPort={options.RabbitMQDistPort}",
                    "--Infrastructure:Local:RabbitMQNodes=3",
                ],
                cts.Token);
            foreach (var resource in builder.Resources.Where(r => r is ProjectResource || r.Name is ResourceNames.Postgres or ResourceNames.Database).ToList())
            {
                builder.Resources.Remove(resource);
            }
            string[] brokers = [ResourceNames.Messaging, $"{ResourceNames.Messaging}-2", $"{ResourceNames.Messaging}-3"];
            Assert.Equal(brokers, builder.Resources.Where(r => r is not ParameterResource).Select(r => r.Name).Where(n => n.StartsWith(ResourceNames.Messaging, StringComparison.Ordinal) && n != ResourceNames.MessagingEpmd).Order());

            await using var app = await builder.BuildAsync(cts.Token);
            await app.StartAsync(cts.Token);
            foreach (var name in brokers)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(name, cts.Token);
            }

            var nodes = LocalRabbitMQ.Nodes(data, options);
            var binaries = new HostProbe().FindRabbitMQ()!;
            var status = HostCommand.Run(binaries.Ctl, ["-n", nodes[0].Name, "cluster_status", "--formatter", "json"],
                TimeSpan.FromSeconds(60), data, LocalRabbitMQ.Environment(nodes[0], options));
            Assert.True(status.ExitCode == 0, status.Output);
            using var json = JsonDocument.Parse(status.Output[status.Output.IndexOf('{', StringComparison.Ordinal)..]);
            Assert.Equal(
                nodes.Select(n => n.Name).Order(StringComparer.Ordinal),
                json.RootElement.GetProperty("running_nodes").EnumerateArray().Select(n => n.GetString()!).Order(StringComparer.Ordinal));
            Assert.All(nodes.Skip(1), node => Assert.True(File.Exists(Path.Combine(node.DataDirectory, LocalRabbitMQCluster.JoinedMarker))));

            await app.StopAsync(cts.Token);
        }
        finally
        {
            TestDirectories.Delete(data);
        }
    }
}
