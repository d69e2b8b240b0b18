using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.EndToEndTests;

/// <summary>
/// Starts and stops a system of its own: stopping leaves no PostgreSQL, RabbitMQ or epmd process behind, and
/// the next start on the same data directory still has the earlier runs.
/// </summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task StoppingLeavesNothingRunningAndRestartingKeepsTheRuns()
    {
        var dataDirectory = ConnectorHealthApp.NewDataDirectory();
        var ports = LocalPorts.Free();
        try
        {
            Guid runId;
            await using (var first = await ConnectorHealthApp.StartAsync(dataDirectory, ports))
            {
                using var gateway = first.CreateHttpClient(ResourceNames.Gateway);
                runId = await FirstRunIdAsync(gateway);
                await first.StopAsync();
            }

            await WaitUntilAsync(() => ProcessesUsing(dataDirectory, ports).Count == 0, TimeSpan.FromSeconds(60));
            Assert.Empty(ProcessesUsing(dataDirectory, ports));
            Assert.All(ports.All, port => Assert.True(IsFree(port), $"port {port} is still taken"));

            await using var second = await ConnectorHealthApp.StartAsync(dataDirectory, ports);
            using var secondGateway = second.CreateHttpClient(ResourceNames.Gateway);
            var response = await secondGateway.GetAsync($"/api/runs/{runId}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await second.StopAsync();
        }
        finally
        {
            ConnectorHealthApp.DeleteDataDirectory(dataDirectory);
        }
    }

    private static async Task<Guid> FirstRunIdAsync(HttpClient gateway)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            var page = await gateway.GetFromJsonAsync<JsonElement>("/api/runs?limit=1", cts.Token);
            if (page.GetProperty("items").GetArrayLength() > 0)
            {
                return page.GetProperty("items")[0].GetProperty("runId").GetGuid();
            }
            await Task.Delay(500, cts.Token);
        }
    }

    /// <summary>Processes whose command line names the data directory or one of the private ports.</summary>
    private static List<string> ProcessesUsing(string dataDirectory, LocalPorts ports)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
            {
                continue;
            }
            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            if (commandLine.Contains(dataDirectory, StringComparison.Ordinal)
                || commandLine.Contains($"-port {ports.Epmd}", StringComparison.Ordinal))
            {
                found.Add($"{Path.GetFileName(dir)}: {commandLine}");
            }
        }
        return found;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }
    }
}
