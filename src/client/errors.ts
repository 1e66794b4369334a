/** A request the client cannot make in its current state (unknown user, not in a group, too many messages waiting...). */
export class ClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClientError";
  }
}
