"""The source article's claims, as data: quoted, translated, judged, and where each is tested.

``01-two-styles`` prints this ledger; ``08-claims-tested`` measures each claim and fills in the
verdict. Quotes are verbatim from the article (消息驱动与事件驱动); the English is ours.

``status`` before measurement: ``"wrong"`` (demonstrably false), ``"contradicts"`` (the article
says the opposite elsewhere), ``"vague"`` (true or false depending on what it means: we make it
precise), ``"to test"`` (a measurable claim).
"""
from typing import NamedTuple

__all__ = ["Claim", "CLAIMS", "by_id"]


class Claim(NamedTuple):
    id: str
    zh: str
    en: str
    status: str
    tested_in: str
    note: str


CLAIMS = [
    Claim("new", "都是为了解决异步并发问题而出现的新型编程模型",
          "both are new programming models that appeared in order to solve asynchronous concurrency",
          "wrong", "01-two-styles",
          "Neither is new: message queues and event loops are decades old; they solve coupling and "
          "delivery, not concurrency as such."),
    Claim("sync-and-async", "由于消息驱动程序可以处理同步请求也可以处理异步请求，因此可以更加灵活地应对多种业务需求",
          "because message-driven programs handle both synchronous and asynchronous requests, they "
          "meet more kinds of business needs", "to test", "08-claims-tested",
          "Request/reply over messages (a reply channel, a correlation id) gives a synchronous call "
          "on top of asynchronous messages; events can do the same."),
    Claim("real-time", "事件驱动程序有着更强的实时性，并且能够在运行过程中很好地适应变化",
          "event-driven programs are more real-time and adapt well to change while running",
          "to test", "08-claims-tested",
          "Measured as latency from publish to handling, with the same workload in both styles."),
    Claim("only-async", "应用组件之间只通过异步通信(例如消息队列)进行通信",
          "components communicate only asynchronously (e.g. through message queues)", "vague",
          "01-two-styles",
          "A rendezvous channel (Go's unbuffered chan) is message passing and synchronous."),
    Claim("loose-coupling", "消息驱动通常被用来构建松耦合的、可伸缩的、可恢复的应用系统",
          "message-driven design is used to build loosely coupled, scalable, recoverable systems",
          "to test", "06-message-driven",
          "Recoverable: acknowledgements and redelivery after a crash; scalable: competing consumers."),
    Claim("low-decoupling", "应用组件间的解耦程度较低，更利于实现系统的水平扩展",
          "the degree of decoupling between components is low, which helps horizontal scaling",
          "contradicts", "08-claims-tested, 09-one-order-two-ways",
          "Contradicts the sentence before it (loosely coupled). Decoupling is what lets consumers be "
          "added: throughput vs workers is measured."),
    Claim("coupling-grows", "比如复杂性和重复性，它们往往会导致系统的耦合性增长，容易引入 bugs 和性能问题",
          "complexity and duplication often make coupling grow and easily bring bugs and performance "
          "problems", "vague", "08-claims-tested",
          "Coupling moves into the message format (a schema every consumer depends on); we count moving "
          "parts instead."),
    Claim("observer-is-pubsub", "事件驱动(Event-driven)是基于观察者模式的编程模型。这种模型的基础是发布订阅模式",
          "event-driven is a programming model based on the observer pattern, founded on "
          "publish/subscribe", "vague", "05-event-driven",
          "Observer: the subject calls its observers itself (it knows them); publish/subscribe puts a "
          "broker in between (nobody knows anybody)."),
    Claim("waitgroup-is-messaging", "Go的`sync.WaitGroup`类型提供了一种简单的实现消息驱动程序的方法",
          "Go's sync.WaitGroup offers a simple way to implement message-driven programs", "wrong",
          "03-workers-and-waitgroup",
          "A WaitGroup is a completion barrier: a counter, no messages. The message-driven version is a "
          "pool of workers receiving jobs from a channel."),
    Claim("program-1-compiles", "func worker(id int, wg *sync.WaitGroup)",
          "(the WaitGroup program, as printed)", "wrong", "03-workers-and-waitgroup",
          "It does not compile: it uses sync without import \"sync\" (undefined: sync)."),
    Claim("messages-more-complex", "但因为依赖于消息队列，所以它一般比事件驱动程序更复杂",
          "because it depends on a message queue, it is generally more complex than an event-driven "
          "program", "contradicts", "08-claims-tested, 09-one-order-two-ways",
          "The article later says the opposite (event-driven is more complex). Counted: lines of code "
          "and moving parts of both, on the same task; across services, what a new step changes."),
    Claim("inefficient", "多个组件之间的通信仍然是比较低效的",
          "communication between components is still rather inefficient", "to test",
          "08-claims-tested", "Measured: the cost per message of each hand-off, beside a function call."),
    Claim("small-data-load-balancing", "消息驱动程序更适用于那些短期内短暂交换少量数据的应用场景，或者处理负载均衡场景",
          "message-driven suits brief exchanges of small amounts of data, or load balancing",
          "to test", "06-message-driven", "Load balancing across competing consumers is measured."),
    Claim("channel-is-pubsub", "Go语言的`channel`类型可以实现发布订阅模式",
          "Go's channel type can implement publish/subscribe", "vague", "01-two-styles",
          "True with one channel per subscriber and a publisher that sends to each; but one channel "
          "delivers each value to exactly ONE receiver (point-to-point), and the article's example "
          "uses a single channel."),
    Claim("program-2-compiles", "time.Sleep(time.Second * 1)",
          "(the publisher program, as printed)", "wrong", "04-publisher-and-drops",
          "It does not compile: it calls time.Sleep without import \"time\" (undefined: time)."),
    Claim("channel-is-full", "Channel is full, dropping message",
          "(the publisher's message when select takes the default case)", "wrong",
          "04-publisher-and-drops",
          "An unbuffered channel is never full: default runs only when no receiver is waiting at that "
          "instant. As written, the program normally delivers everything."),
    Claim("notify-all", "之后，它通知所有的`subCh`通道",
          "then it notifies all the subCh channels", "wrong", "04-publisher-and-drops",
          "There is one subCh, and each send on it reaches one receiver, which throws it away."),
    Claim("events-more-complex", "事件驱动程序的复杂性比消息驱动程序要高",
          "event-driven programs are more complex than message-driven ones", "contradicts",
          "08-claims-tested, 09-one-order-two-ways",
          "The opposite of an earlier sentence; see messages-more-complex."),
    Claim("missed-events", "当事件发生时，发布者和订阅者需要互相协调，否则订阅者可能会错过事件",
          "publishers and subscribers must coordinate, or subscribers may miss events", "to test",
          "05-event-driven, 10-events-as-the-record",
          "True of fire-and-forget publish/subscribe: a late or disconnected subscriber misses what was "
          "published before; a slow one may have events dropped."),
    Claim("memory-leak", "频繁的事件发布可能会导致内存泄漏或资源不足",
          "frequent event publishing may cause memory leaks or resource exhaustion", "to test",
          "05-event-driven",
          "Not a leak: an unbounded queue in front of a slow subscriber grows without limit. Measured "
          "with tracemalloc, beside bounded policies."),
    Claim("go-fast", "Go语言的静态编译特性也使得其具有非常高的性能",
          "Go's static compilation also gives it very high performance", "to test",
          "02b-go-in-python-patterns",
          "CPU-bound pools are measured in 02b; a Go channel hand-off against chanlab's in "
          "benchmarks/channels.py (make bench)."),
    Claim("state-changes", "事件驱动程序更适合处理动态变化的业务逻辑，如网络连接状态变更、设备状态变化等",
          "event-driven programs suit dynamically changing logic, such as connection or device state "
          "changes", "vague", "08-claims-tested",
          "Events report that something happened; many independent reactions to a state change is "
          "where fan-out shines."),
]


def by_id(claim_id):
    """The claim with this id."""
    for c in CLAIMS:
        if c.id == claim_id:
            return c
    raise KeyError(f"no claim {claim_id!r}; ids: {[c.id for c in CLAIMS]}")
