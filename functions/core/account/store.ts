/** What the account feature needs from storage. Each method is one statement. */

export interface UserRecord {
  id: string;
  email: string;
  phone: string | null;
}

export interface UserWithPassword extends UserRecord {
  passwordHash: string;
}

export interface AccountStore {
  /** Inserts a user; null when the e-mail is already taken. */
  createUser(user: UserWithPassword): Promise<UserRecord | null>;
  findUserById(id: string): Promise<UserRecord | null>;
}
