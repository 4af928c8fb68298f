using Relay.Cli.Editing;

namespace Relay.Cli.Tests;

/// <summary>Keys for the line editor, in bursts: within a burst more keys are waiting (as in a paste), between bursts none.</summary>
internal sealed class ScriptedKeys : IKeyReader
{
    private readonly Queue<Queue<ConsoleKeyInfo>> _bursts = new();
    private Queue<ConsoleKeyInfo>? _current;

    /// <summary>Whether the burst the last key came from has more: the next burst is typed later.</summary>
    public bool KeyAvailable => _current is { Count: > 0 };

    /// <summary>Typed one key at a time: text, and keys such as <see cref="Key(ConsoleKey, ConsoleModifiers)"/>.</summary>
    public ScriptedKeys Type(params object[] keys)
    {
        foreach (var key in keys.SelectMany(Expand))
        {
            _bursts.Enqueue(new Queue<ConsoleKeyInfo>([key]));
        }

        return this;
    }

    /// <summary>Pasted, or typed ahead: all of it at once.</summary>
    public ScriptedKeys Paste(params object[] keys)
    {
        _bursts.Enqueue(new Queue<ConsoleKeyInfo>(keys.SelectMany(Expand)));
        return this;
    }

    public ConsoleKeyInfo ReadKey()
    {
        if (_current is not { Count: > 0 })
        {
            _current = _bursts.Dequeue();
        }

        return _current.Dequeue();
    }

    public static ConsoleKeyInfo Key(ConsoleKey key, ConsoleModifiers modifiers = 0) =>
        new(key is >= ConsoleKey.A and <= ConsoleKey.Z && modifiers == ConsoleModifiers.Control ? (char)(key - ConsoleKey.A + 1) : '\0', key,
            (modifiers & ConsoleModifiers.Shift) != 0, (modifiers & ConsoleModifiers.Alt) != 0, (modifiers & ConsoleModifiers.Control) != 0);

    public static ConsoleKeyInfo Ctrl(char letter) => Key(ConsoleKey.A + (char.ToUpperInvariant(letter) - 'A'), ConsoleModifiers.Control);

    private static IEnumerable<ConsoleKeyInfo> Expand(object key) => key switch
    {
        ConsoleKeyInfo info => [info],
        string text => text.Select(c => c == '\r' ? new ConsoleKeyInfo('\r', ConsoleKey.Enter, false, false, false) : new ConsoleKeyInfo(c, 0, false, false, false)),
        _ => throw new ArgumentException($"not a key: {key}", nameof(key)),
    };
}
