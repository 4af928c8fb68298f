using System.Text;

namespace Relay.Simulator;

/// <summary>
/// Writes SSE events to the response, flushed one by one, optionally in pieces of a few bytes, with a chosen
/// line ending, and resets the connection after a given number of body bytes.
/// </summary>
internal sealed class EventWriter(HttpContext context, SimulatorKnobs knobs)
{
    private readonly Stream _body = context.Response.Body;
    private readonly byte[] _blankLine = Encoding.UTF8.GetBytes(knobs.Eol + knobs.Eol);
    private long _written;

    public Task DataAsync(string json, CancellationToken cancellationToken) => RawAsync("data: " + json, cancellationToken);

    public Task CommentAsync(CancellationToken cancellationToken) => RawAsync(": OPENROUTER PROCESSING", cancellationToken);

    private async Task RawAsync(string line, CancellationToken cancellationToken)
    {
        var text = Encoding.UTF8.GetBytes(line);
        var bytes = new byte[text.Length + _blankLine.Length];
        text.CopyTo(bytes, 0);
        _blankLine.CopyTo(bytes, text.Length);
        var piece = knobs.Write > 0 ? knobs.Write : bytes.Length;
        for (var offset = 0; offset < bytes.Length; offset += piece)
        {
            var n = Math.Min(piece, bytes.Length - offset);
            if (knobs.ResetAfterBytes is { } limit && _written + n >= limit)
            {
                n = (int)Math.Max(0, limit - _written);
                await _body.WriteAsync(bytes.AsMemory(offset, n), cancellationToken);
                await _body.FlushAsync(cancellationToken);
                context.Abort();
                throw new ConnectionResetBySimulatorException();
            }

            await _body.WriteAsync(bytes.AsMemory(offset, n), cancellationToken);
            await _body.FlushAsync(cancellationToken);
            _written += n;
        }
    }
}
