export * from './status'
export * from './job'
export * from './events'
export * from './schemas'
