using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ConnectorHealth.DriftBench;

// The payloads the benchmark feeds the inferrer and the processor, as UTF-8 JSON. A typical payload's schema depends on
// its shape alone, never on its values or record count: optional and nullable members follow the record's index, every
// array has items, and every decimal has a fraction, so the inferrer sees the same fields whatever the random values.
internal static class SamplePayloads
{
    public const int Shapes = 3;

    private static readonly string[] Cities = ["Lyon", "Porto", "Gdansk", "Leeds", "Turin", "Ghent"];
    private static readonly string[] Tags = ["vip", "eu", "trial", "partner", "churn-risk"];

    // ~200 bytes, one flat object.
    public static byte[] Small() => Write(json =>
    {
        json.WriteStartObject();
        json.WriteNumber("id", 48_213);
        json.WriteString("status", "ok");
        json.WriteNumber("count", 42);
        json.WriteNumber("ratio", 0.75);
        json.WriteBoolean("active", true);
        json.WriteString("updated_at", "2026-06-01T12:00:00Z");
        json.WriteNull("owner");
        json.WriteString("region", "eu-west-1");
        json.WriteString("plan", "enterprise");
        json.WriteNumber("seats", 250);
        json.WriteString("contact", "ops@example.com");
        json.WriteString("tier", "gold");
        json.WriteEndObject();
    });

    // An API page: nested source and paging objects and an array of records with optional and nullable members.
    // Shape 1 adds a member to each record; shape 2 then turns the id into a string and renames the name.
    // Detailed records add a nested address and a tag array (about 150 bytes a record instead of 60).
    public static byte[] Typical(Random random, int records, bool detailed, int shape) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteStartObject("source");
        json.WriteString("system", "billing");
        json.WriteString("region", "eu-west-1");
        json.WriteNumber("api_version", 3);
        json.WriteEndObject();
        json.WriteStartObject("page");
        json.WriteString("cursor", Convert.ToBase64String(BitConverter.GetBytes(random.NextInt64())));
        json.WriteNumber("size", records);
        json.WriteBoolean("has_more", random.Next(2) == 0);
        json.WriteNull("total");
        json.WriteEndObject();
        json.WriteString("fetched_at", DateTimeOffset.UnixEpoch.AddSeconds(1_780_000_000 + random.Next(1_000_000)));
        json.WriteStartArray("records");
        for (var i = 0; i < records; i++)
        {
            json.WriteStartObject();
            var id = random.Next(100_000, 999_999);
            if (shape == 2)
            {
                json.WriteString("id", $"cus_{id}");
                json.WriteString("display_name", $"customer-{id % 10_000:D4}");
            }
            else
            {
                json.WriteNumber("id", id);
                json.WriteString("name", $"customer-{id % 10_000:D4}");
            }
            json.WriteBoolean("active", random.Next(4) != 0);
            json.WriteNumber("score", random.Next(100) + 0.25 * (1 + random.Next(3)));
            if (shape >= 1)
            {
                json.WriteString("currency", "EUR");
            }
            if (detailed)
            {
                json.WriteStartArray("tags");
                for (var t = 0; t <= random.Next(3); t++)
                {
                    json.WriteStringValue(Tags[random.Next(Tags.Length)]);
                }
                json.WriteEndArray();
                json.WriteStartObject("address");
                json.WriteString("city", Cities[random.Next(Cities.Length)]);
                json.WriteString("zip", $"{random.Next(10_000, 99_999)}");
                json.WriteEndObject();
            }
            if (i % 3 == 0)
            {
                json.WriteNumber("discount", 0.25 * (1 + random.Next(3)));
            }
            if (i % 4 == 1)
            {
                json.WriteNull("note");
            }
            else
            {
                json.WriteString("note", i % 2 == 0 ? "called back" : "renewal due");
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    });

    // Objects nested this deep: {"a":{"a":…1…}}.
    public static byte[] Deep(int depth) =>
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth));

    // One object with this many keys.
    public static byte[] Wide(int keys) => Write(json =>
    {
        json.WriteStartObject();
        for (var i = 0; i < keys; i++)
        {
            json.WriteNumber($"key_{i}", i);
        }
        json.WriteEndObject();
    });

    // An array of this many small records under one member.
    public static byte[] LongArray(int items) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteStartArray("items");
        for (var i = 0; i < items; i++)
        {
            json.WriteStartObject();
            json.WriteNumber("id", i);
            json.WriteString("v", "x");
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    });

    // A key this long, holding an object, next to an ordinary member.
    public static byte[] LongKey(int length) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteStartObject(new string('k', length));
        json.WriteNumber("inner", 1);
        json.WriteEndObject();
        json.WriteNumber("b", 2);
        json.WriteEndObject();
    });

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }
        return buffer.WrittenSpan.ToArray();
    }
}
