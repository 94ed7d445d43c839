// The WebSocketManager of the original request (spec/original-request.md), as written there,
// with the TypeScript types taken out so that Node runs it. Nothing else is changed.
class WebSocketManager {
  ws = null;
  subscribers = new Map();
  reconnectAttempts = 0;
  maxReconnectAttempts = 5;

  connect(url) {
    this.ws = new WebSocket(url);

    this.ws.onopen = () => {
      console.log('[WebSocket] Connected');
      this.reconnectAttempts = 0;
    };

    this.ws.onmessage = (event) => {
      const data = JSON.parse(event.data);
      this.emit(data.type, data);
    };

    this.ws.onclose = () => {
      console.log('[WebSocket] Disconnected');
      this.reconnect(url);
    };

    this.ws.onerror = (error) => {
      console.error('[WebSocket] Error:', error);
    };
  }

  subscribe(eventType, callback) {
    if (!this.subscribers.has(eventType)) {
      this.subscribers.set(eventType, new Set());
    }
    this.subscribers.get(eventType).add(callback);
  }

  emit(eventType, event) {
    this.subscribers.get(eventType)?.forEach(callback => callback(event));
  }

  reconnect(url) {
    if (this.reconnectAttempts < this.maxReconnectAttempts) {
      setTimeout(() => {
        this.reconnectAttempts++;
        this.connect(url);
      }, 1000 * this.reconnectAttempts);
    }
  }
}

// The harness: subscribe as the request's components would, print what arrives, one line each.
const manager = new WebSocketManager();
for (const type of ['task.started', 'task.progress', 'task.completed', 'task.failed', 'document.indexed', 'search.completed']) {
  manager.subscribe(type, (event) => console.log('EVENT ' + JSON.stringify(event)));
}
// Two subscribers on one type both get it.
manager.subscribe('task.progress', (event) => console.log('SECOND ' + event.data.taskId));
manager.connect(process.argv[2]);
// Bounded: the test ends it, or this does.
setTimeout(() => process.exit(2), 60000);
