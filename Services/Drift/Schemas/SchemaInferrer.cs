using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ConnectorHealth.Drift.Schemas;

/// <summary>
/// Infers a payload's schema: one <see cref="FieldSchema"/> per path (the root and every object member, array and
/// array item), the items of each array merged. Pure and thread-safe; reads at most what <see cref="InferenceLimits"/>
/// allows, so hostile payloads (deep, wide, huge arrays, huge keys) cost bounded time and memory.
/// </summary>
public sealed class SchemaInferrer(InferenceLimits limits)
{
    public InferredSchema Infer(JsonElement payload, bool payloadTruncated)
    {
        using var walk = new Walk(limits);
        walk.Visit(payload, walk.Root, 0);
        return walk.ToSchema(payloadTruncated, payload.ValueKind == JsonValueKind.Object);
    }

    private sealed class Node(string path, Node? owner)
    {
        public readonly string Path = path;

        /// <summary>The object node this is a member of; null for the root and array items.</summary>
        public readonly Node? Owner = owner;

        public JsonTypes Types;
        public bool Nullable;
        public Dictionary<string, Node>? Members;
        public Node? Items;

        /// <summary>Objects read at this path.</summary>
        public int ObjectVisits;

        /// <summary>Objects of the owner that held this member; fewer than the owner's visits makes it optional.</summary>
        public int Presence;

        /// <summary>The owner's object visit this member was last counted in, so a duplicate key counts once.</summary>
        public int LastVisit;
    }

    [Flags]
    private enum Limit
    {
        None = 0,
        Depth = 1,
        Fields = 2,
        ArraySample = 4,
        PathLength = 8,
    }

    private sealed class Walk(InferenceLimits limits) : IDisposable
    {
        private readonly List<Node> nodes = [];
        private HashSet<string>? rootKeysLeftOut;
        private char[] names = ArrayPool<char>.Shared.Rent(256);
        private int visits;
        private Limit hit;

        public Node Root { get; } = new(FieldPath.Root, null);

        public void Visit(JsonElement element, Node node, int depth)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Null:
                    node.Nullable = true;
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    node.Types |= JsonTypes.Boolean;
                    break;
                case JsonValueKind.String:
                    node.Types |= JsonTypes.String;
                    break;
                case JsonValueKind.Number:
                    // The raw text decides: 42.0 is a number, 2^70 an integer, and nothing is parsed or allocated.
                    node.Types |= JsonMarshal.GetRawUtf8Value(element).IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0
                        ? JsonTypes.Integer
                        : JsonTypes.Number;
                    break;
                case JsonValueKind.Object:
                    node.Types |= JsonTypes.Object;
                    if (depth >= limits.MaxDepth)
                    {
                        StopAtDepth(element.EnumerateObject().MoveNext());
                    }
                    else
                    {
                        VisitObject(element, node, depth);
                    }
                    break;
                case JsonValueKind.Array:
                    node.Types |= JsonTypes.Array;
                    VisitArray(element, node, depth);
                    break;
            }
        }

        public InferredSchema ToSchema(bool payloadTruncated, bool rootIsObject)
        {
            var fields = new FieldSchema[nodes.Count + 1];
            fields[0] = new FieldSchema(Root.Path, Root.Types, Root.Nullable, false);
            for (var i = 0; i < nodes.Count; i++)
            {
                var node = nodes[i];
                var optional = node.Owner is not null && node.Presence < node.Owner.ObjectVisits;
                fields[i + 1] = new FieldSchema(node.Path, node.Types, node.Nullable, optional);
            }
            return InferredSchema.Create(fields, LimitsHit(), payloadTruncated, rootIsObject ? TopLevelKeys() : []);
        }

        public void Dispose() => ArrayPool<char>.Shared.Return(names);

        private void VisitObject(JsonElement element, Node node, int depth)
        {
            var visit = ++visits;
            node.ObjectVisits++;
            foreach (var property in element.EnumerateObject())
            {
                var member = Member(node, property);
                if (member is null)
                {
                    continue;
                }
                if (member.LastVisit != visit)
                {
                    member.LastVisit = visit;
                    member.Presence++;
                }
                Visit(property.Value, member, depth + 1);
            }
        }

        private void VisitArray(JsonElement element, Node node, int depth)
        {
            var length = element.GetArrayLength();
            if (length == 0)
            {
                return;
            }
            if (depth >= limits.MaxDepth)
            {
                StopAtDepth(true);
                return;
            }
            if (length > limits.ArraySample)
            {
                hit |= Limit.ArraySample;
            }
            var items = Items(node);
            if (items is null)
            {
                return;
            }
            var read = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (read++ == limits.ArraySample)
                {
                    break;
                }
                Visit(item, items, depth + 1);
            }
        }

        private void StopAtDepth(bool hasContent)
        {
            if (hasContent)
            {
                hit |= Limit.Depth;
            }
        }

        private Node? Items(Node array)
        {
            if (array.Items is not null)
            {
                return array.Items;
            }
            if (!CanAdd(array.Path.Length + FieldPath.ItemsSegment.Length))
            {
                return null;
            }
            array.Items = new Node(FieldPath.Items(array.Path), null);
            nodes.Add(array.Items);
            return array.Items;
        }

        private Node? Member(Node owner, JsonProperty property)
        {
            // The name is looked up as characters in a reused buffer: a string is made only for a path not seen before.
            var name = Name(property);
            owner.Members ??= new Dictionary<string, Node>(StringComparer.Ordinal);
            var members = owner.Members.GetAlternateLookup<ReadOnlySpan<char>>();
            if (members.TryGetValue(name, out var member))
            {
                return member;
            }
            if (!CanAdd(FieldPath.MemberPathLength(owner.Path, name)))
            {
                // The first version's view lists the root keys the field limit left out too, up to as many again.
                if (owner == Root && (rootKeysLeftOut?.Count ?? 0) < limits.MaxFields)
                {
                    (rootKeysLeftOut ??= new HashSet<string>(StringComparer.Ordinal)).GetAlternateLookup<ReadOnlySpan<char>>().Add(name);
                }
                return null;
            }
            member = new Node(FieldPath.Member(owner.Path, name), owner);
            members.TryAdd(name, member);
            nodes.Add(member);
            return member;
        }

        private bool CanAdd(int pathLength)
        {
            if (nodes.Count + 1 >= limits.MaxFields)
            {
                hit |= Limit.Fields;
                return false;
            }
            if (pathLength > limits.MaxPathLength)
            {
                hit |= Limit.PathLength;
                return false;
            }
            return true;
        }

        private ReadOnlySpan<char> Name(JsonProperty property)
        {
            var raw = JsonMarshal.GetRawUtf8PropertyName(property);
            if (raw.IndexOf((byte)'\\') >= 0)
            {
                return Unescaped(property);
            }
            if (names.Length < raw.Length)
            {
                ArrayPool<char>.Shared.Return(names);
                names = ArrayPool<char>.Shared.Rent(raw.Length);
            }
            return names.AsSpan(0, Encoding.UTF8.GetChars(raw, names));
        }

        private string[] TopLevelKeys()
        {
            var keys = new List<string>((Root.Members?.Count ?? 0) + (rootKeysLeftOut?.Count ?? 0));
            keys.AddRange(Root.Members?.Keys ?? Enumerable.Empty<string>());
            keys.AddRange(rootKeysLeftOut ?? Enumerable.Empty<string>());
            var sorted = keys.ToArray();
            Array.Sort(sorted, StringComparer.Ordinal);
            return sorted;
        }

        private string[] LimitsHit()
        {
            if (hit == Limit.None)
            {
                return [];
            }
            var hits = new List<string>(4);
            if (hit.HasFlag(Limit.Depth))
            {
                hits.Add(InferenceLimit.Depth);
            }
            if (hit.HasFlag(Limit.Fields))
            {
                hits.Add(InferenceLimit.Fields);
            }
            if (hit.HasFlag(Limit.ArraySample))
            {
                hits.Add(InferenceLimit.ArraySample);
            }
            if (hit.HasFlag(Limit.PathLength))
            {
                hits.Add(InferenceLimit.PathLength);
            }
            return [.. hits];
        }

        private static string Unescaped(JsonProperty property)
        {
            try
            {
                return property.Name;
            }
            catch (InvalidOperationException)
            {
                // An escaped lone surrogate (\ud800) parses but cannot be read as a string; read it as U+FFFD instead.
                return LenientUnescape(Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8PropertyName(property)));
            }
        }

        private static string LenientUnescape(string raw)
        {
            var name = new StringBuilder(raw.Length);
            for (var i = 0; i < raw.Length; i++)
            {
                if (raw[i] != '\\')
                {
                    name.Append(raw[i]);
                    continue;
                }
                var escape = raw[++i];
                name.Append(escape switch
                {
                    'b' => '\b',
                    'f' => '\f',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'u' => (char)Convert.ToUInt16(raw.Substring(i + 1, 4), 16),
                    _ => escape,
                });
                if (escape == 'u')
                {
                    i += 4;
                }
            }
            for (var i = 0; i < name.Length; i++)
            {
                if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
                {
                    i++;
                }
                else if (char.IsSurrogate(name[i]))
                {
                    name[i] = '\uFFFD';
                }
            }
            return name.ToString();
        }
    }
}
