using System.Text;

namespace Relay.Cli.Tests;

/// <summary>A StringWriter that signals once its text contains a given string (to press Ctrl+C at the right moment).</summary>
public sealed class SignalingWriter(string waitFor) : StringWriter
{
    private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Seen => _seen.Task;

    public override void Write(char value)
    {
        base.Write(value);
        Check();
    }

    public override void Write(string? value)
    {
        base.Write(value);
        Check();
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Encoding Encoding => Encoding.UTF8;

    private void Check()
    {
        if (ToString().Contains(waitFor, StringComparison.Ordinal))
        {
            _seen.TrySetResult();
        }
    }
}
