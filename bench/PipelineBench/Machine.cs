using System.Runtime.InteropServices;
using System.Text;
using RabbitMQ.Client;

namespace ConnectorHealth.PipelineBench;

internal sealed record Machine(int Cores, string Cpu, double MemoryGiB, string Runtime, string Os, string Postgres, string RabbitMQ)
{
    public static async Task<Machine> DescribeAsync(BenchDatabase database, Uri broker)
    {
        var memoryKb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        var rabbit = connection.ServerProperties is { } properties && properties.TryGetValue("version", out var version) && version is byte[] text
            ? Encoding.UTF8.GetString(text)
            : "?";
        return new Machine(
            Environment.ProcessorCount,
            cpu ?? "?",
            long.Parse(memoryKb, System.Globalization.CultureInfo.InvariantCulture) / 1024.0 / 1024.0,
            RuntimeInformation.FrameworkDescription,
            $"{RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}",
            await database.ServerVersionAsync(),
            rabbit);
    }
}
