using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using BenchmarkDotNet.Attributes;
using Relay.Contracts;
using Relay.Contracts.Sse;
using Relay.Edge.Streams;
using Relay.Providers;

namespace Relay.Benchmarks;

/// <summary>
/// The two steps every token takes: reading one OpenRouter chunk (SSE parse, JSON to a delta event) and writing
/// one event to a client (data JSON, then SSE framing). Each benchmark handles 1,000 events per invocation, so
/// the reported time and allocations are per event.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private const int Events = 1000;

    // One content chunk exactly as OpenRouter sends it (shared/reference/openrouter-streaming.md, section 3).
    private const string Chunk =
        "data: {\"id\":\"gen-1732000000-abcdefghijklmnop\",\"provider\":\"OpenAI\",\"model\":\"openai/gpt-4o-mini\",\"object\":\"chat.completion.chunk\",\"created\":1732000000," +
        "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\" morning\"},\"finish_reason\":null,\"native_finish_reason\":null,\"logprobs\":null}]}\n\n";

    private readonly byte[] _upstream = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(Chunk, Events)));
    private readonly List<StreamEvent> _mapped = new(4);
    private StoredEvent[] _stored = [];

    [GlobalSetup]
    public void Setup()
    {
        var data = StreamEventSerializer.SerializeData(new DeltaEvent(" morning"));
        _stored = Enumerable.Range(1, Events).Select(i => new StoredEvent(i, StreamEventNames.Delta, data)).ToArray();
    }

    /// <summary>SseParser over the upstream bytes, each frame mapped to a delta event.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public async Task<int> ReadOpenRouterChunk()
    {
        var mapper = new OpenRouterChunkMapper("openai/gpt-4o-mini", new SecretRedactor(null));
        var count = 0;
        await foreach (var frame in SseEventReader.ReadUtf8Async(new MemoryStream(_upstream, writable: false)))
        {
            mapper.OnData(frame.Data, _mapped);
            count += _mapped.Count;
            _mapped.Clear();
        }

        return count;
    }

    /// <summary>A delta's data JSON serialized, then framed by SseFormatter with its event name and id.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public Task WriteSseEvent() =>
        SseFormatter.WriteAsync(
            Items(),
            Stream.Null,
            static (item, buffer) => StreamEventSerializer.WriteData(item.Data, buffer));

    /// <summary>What the edge really writes: the held data bytes (serialized once, at append), framed by SseFormatter.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public Task WriteHeldEvent() =>
        SseFormatter.WriteAsync(
            Held(),
            Stream.Null,
            static (item, buffer) => buffer.Write(item.Data.Data.Span));

    private static async IAsyncEnumerable<SseItem<StreamEvent>> Items()
    {
        for (var i = 1; i <= Events; i++)
        {
            yield return new SseItem<StreamEvent>(new DeltaEvent(" morning"), StreamEventNames.Delta) { EventId = StreamIds.FormatEventId("V1StGXR8_Z5jdHi6B-myT", i) };
        }

        await Task.CompletedTask;
    }

    private async IAsyncEnumerable<SseItem<StoredEvent>> Held()
    {
        foreach (var e in _stored)
        {
            yield return new SseItem<StoredEvent>(e, e.Name) { EventId = StreamIds.FormatEventId("V1StGXR8_Z5jdHi6B-myT", e.Seq) };
        }

        await Task.CompletedTask;
    }
}
