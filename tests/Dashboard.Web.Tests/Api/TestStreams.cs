using Dashboard.Web.Api;

namespace Dashboard.Web.Tests.Api;

internal static class ApiLimitsForTests
{
    public const int MaxRequestBodyBytes = (int)ApiLimits.MaxRequestBodyBytes;
}

/// <summary>A read-only stream of N bytes of YAML-ish filler, so an oversize body needs no 64 MB array.</summary>
internal sealed class PatternStream(long length) : Stream
{
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, length - _position);
        for (var i = 0; i < n; i++)
        {
            buffer[offset + i] = (_position + i) % 64 == 63 ? (byte)'\n' : (byte)'#';
        }
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
